"""Keep the in-memory compiled referentials in step with edits to the referential, and remove
evidence files with their rows."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assessments.models import Evidence
from assessments.scoring.compiled import forget_referential
from referential.models import Axis, Objective, ReferentialVersion, Requirement


@receiver([post_save, post_delete], sender=Requirement)
@receiver([post_save, post_delete], sender=Objective)
@receiver([post_save, post_delete], sender=Axis)
def _forget_edited_referential(sender, instance, **kwargs) -> None:
    forget_referential(instance.referential_id)


@receiver([post_save, post_delete], sender=ReferentialVersion)
def _forget_deleted_referential(sender, instance, **kwargs) -> None:
    forget_referential(instance.pk)


@receiver(post_delete, sender=Evidence)
def _remove_evidence_file(sender, instance, **kwargs) -> None:
    # Also when an assessment or establishment goes: no file outlives its row. After the
    # commit, so that a rolled-back deletion keeps its file.
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
