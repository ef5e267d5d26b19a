"""Keep the in-memory compiled referentials in step with edits to the referential."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assessments.specs import forget_referential
from referential.models import Axis, Objective, ReferentialVersion, Requirement


@receiver([post_save, post_delete], sender=Requirement)
@receiver([post_save, post_delete], sender=Objective)
@receiver([post_save, post_delete], sender=Axis)
def _forget_edited_referential(sender, instance, **kwargs) -> None:
    forget_referential(instance.referential_id)


@receiver(post_delete, sender=ReferentialVersion)
def _forget_deleted_referential(sender, instance, **kwargs) -> None:
    forget_referential(instance.pk)
