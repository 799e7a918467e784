from django.apps import AppConfig


class SimulatorAppConfig(AppConfig):
    name = "simulator_app"
    verbose_name = "hsim simulator"
