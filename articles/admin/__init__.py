"""The admin for editors and medical reviewers. Declarative; every state change goes through
articles.workflow (and source changes through articles.source_changes), whose refusals are shown
to the person as they are."""

from . import content, deliveries, questions, revisions, sources  # noqa: F401  (the model admins)
