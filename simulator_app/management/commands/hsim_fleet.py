"""Create, grow, start, stop or delete a fleet of buildings made from one template and seed.

    hsim_fleet create --org KEY --name NAME --size N [--seed S] [--template FILE]
                      [--interval MIN] [--preset NAME ...] [--start]
    hsim_fleet start|stop|delete --org KEY --name NAME [--index I ...]
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...models import Fleet, Org
from ...services import fleets
from ...services.config_files import load_config_file
from ...services.errors import ServiceError
from ...services.orgs import check_org_key, get_or_create_org


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "start", "stop", "delete"])
        parser.add_argument("--org", required=True, help="org key (created by `create`)")
        parser.add_argument("--name", required=True, help="fleet name; buildings are 'NAME 00001'...")
        parser.add_argument("--size", type=int, help="create: number of buildings")
        parser.add_argument("--seed", type=int, default=0, help="create: fleet seed (default 0)")
        parser.add_argument("--template", help="create: template building spec (JSON/YAML)")
        parser.add_argument("--interval", type=int, help="create: interval in minutes")
        # extend + nargs: `--preset a b` and `--preset a --preset b` alike (README's form).
        parser.add_argument("--preset", action="extend", nargs="+", choices=fleets.PRESET_NAMES,
                            help="create: climate presets to draw from (default all)")
        parser.add_argument("--start", action="store_true", help="create: start every building")
        parser.add_argument("--batch", type=int, default=50,
                            help="create: buildings per transaction (default 50)")
        parser.add_argument("--index", type=int, action="extend", nargs="+",
                            help="start/stop/delete: only the buildings at these 0-based"
                            " indexes (`--index 0 3`, or repeated)")

    def handle(self, *args, action, org, name, **options):
        try:
            if action == "create":
                return self.create(org, name, **options)
            fleet = self.find(org, name)
            count = getattr(fleets, action)(fleet, options["index"])
        except (ServiceError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"{action}: {count} building(s) of fleet '{name}'")

    def create(self, org, name, size, seed, template, interval, preset, start, batch, **_):
        if size is None:
            raise CommandError("create needs --size", returncode=2)
        if not 1 <= batch <= 1000:
            raise CommandError("--batch must be from 1 to 1000", returncode=2)
        building = load_config_file(template) if template else {}
        check_org_key(org)
        org_obj, _ = get_or_create_org(org)
        fleet = fleets.define_fleet(org_obj, name, size, building, seed, interval, preset)
        have = fleet.members.count()
        with tqdm(total=fleet.size, initial=have, unit="building", file=self.stderr) as bar:
            created = fleets.grow(fleet, batch_size=batch, on_batch=bar.update)
        self.stderr.write(f"fleet '{name}': {created} created, {fleet.size} in all")
        if start:
            self.stderr.write(f"started {fleets.start(fleet)}")
        self.stdout.write(str(fleet.pk))

    def find(self, org, name):
        fleet = Fleet.objects.filter(org__in=Org.objects.filter(key=org), name=name).first()
        if fleet is None:
            raise ValueError(f"no fleet {name!r} in org {org!r}")
        return fleet
