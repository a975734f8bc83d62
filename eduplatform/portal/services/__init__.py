"""The portal's services: columns and articles (``columns``, ``content``); 依申请公开 beside them."""
