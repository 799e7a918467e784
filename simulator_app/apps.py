from django.apps import AppConfig


class SimulatorAppConfig(AppConfig):
    name = "simulator_app"
    verbose_name = "hsim simulator"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
        from django.conf import settings

        from .engine import weather_files

        # The engine looks `weather.file` names up in this folder only (read at each lookup,
        # so override_settings applies).
        weather_files.configure(lambda: getattr(settings, "HSIM_WEATHER_DIR", None))
