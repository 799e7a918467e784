"""Create (or find) a service account of an org and print a new API token as the last line.

    manage.py hsim_issue_token --org demo --name poller-1 [--rotate]

The account is a member of the org (read and write), has no password, and authenticates with
`Authorization: Token <key>` or `Bearer <key>`. Tokens are stored hashed and shown only here,
once: for an account that has one, --rotate replaces it.
"""

from django.core.management.base import BaseCommand, CommandError

from ...models import Org
from ...services.access import issue_service_token


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="org key")
        parser.add_argument("--name", required=True, help="service account name")
        parser.add_argument("--rotate", action="store_true",
                            help="replace the account's token (the old one stops working)")

    def handle(self, *args, org, name, rotate, **options):
        org_obj = Org.objects.filter(key=org).first()
        if org_obj is None:
            raise CommandError(f"no org with key {org!r}", returncode=2)
        try:
            user, key = issue_service_token(org_obj, name, rotate=rotate)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stderr.write(f"service account {user.username} of org {org_obj.key}")
        self.stdout.write(key)
