"""hsim's Celery beat scheduler (django-celery-beat's DatabaseScheduler, extended)."""
