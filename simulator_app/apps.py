from django.apps import AppConfig


class SimulatorAppConfig(AppConfig):
    name = "simulator_app"
    verbose_name = "hsim simulator"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
