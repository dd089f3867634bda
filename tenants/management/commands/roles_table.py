from django.core.management.base import BaseCommand

from tenants.roles import render_markdown_table


class Command(BaseCommand):
    help = "Print the permission matrix as the Markdown table the README shows."

    def handle(self, *args, **options):
        self.stdout.write(render_markdown_table())
