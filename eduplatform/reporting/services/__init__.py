"""Reporting services: plain functions taking an explicit actor; they audit and flush, never commit."""
