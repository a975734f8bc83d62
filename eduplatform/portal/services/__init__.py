"""The portal's services."""
