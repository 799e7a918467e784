"""Browser pages: the landing page at / and a dashboard per simulator (thin views over
services; charts are drawn in the browser from the read API's JSON)."""
