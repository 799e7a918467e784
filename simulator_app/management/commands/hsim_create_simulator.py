"""Create (or find) an org and a simulator; print its poller_id as the last line."""

from django.core.management.base import BaseCommand, CommandError

from ...services.config_files import load_building_file
from ...services.errors import ServiceError
from ...services.orgs import check_org_key, get_or_create_org
from ...services.simulator_config import parse_building
from ...services.simulators import find_or_create_simulator, validate_interval


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="org key (created if absent)")
        parser.add_argument("--name", required=True, help="simulator (poller) name")
        parser.add_argument("--config", help="building spec file, JSON or YAML (default building if omitted)")
        parser.add_argument(
            "--interval", type=int,
            help="interval in minutes (must divide a day); refused if --config states another",
        )

    def handle(self, *args, org, name, config, interval, **options):
        try:
            building, stated = load_building_file(config) if config else (None, None)
            if interval is not None and stated is not None and stated != interval:
                # Neither silently wins: the user asked for two different things.
                raise ValueError(
                    f"--interval {interval} conflicts with interval_minutes: {stated} in"
                    f" {config}; give one of them (or the same value)"
                )
            # Validate everything before creating anything: bad input changes nothing.
            parse_building(building, validate_interval(interval))
            check_org_key(org)
            org_obj, _ = get_or_create_org(org)
            simulator, created = find_or_create_simulator(org_obj, name, building, interval)
        except (ServiceError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        verb = "created" if created else "found existing"
        note = ""
        if not created and (config or interval is not None):
            note = " (kept as it is: --config/--interval apply to a new simulator only)"
        self.stderr.write(
            f"{verb} simulator '{simulator.poller_name}' in org '{org_obj.key}'{note}"
        )
        self.stdout.write(str(simulator.poller_id))
