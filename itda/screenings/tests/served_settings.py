"""Settings for a served copy that includes the self-check pages before the portal's urls do."""

from itda.settings import *  # noqa: F403

ROOT_URLCONF = "itda.screenings.tests.portal_urls"
