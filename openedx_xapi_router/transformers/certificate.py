"""
Certificates: a learner was awarded a course certificate.

.. event_name: edx.certificate.created
.. event_version: 2 (verb ``received``; 1: ``earned``)

Payload fields (``data``, a server event, also sent from a Celery task when certificates are
generated in batch): ``user_id`` (the learner; the event's own user may be staff or nobody),
``course_id``, ``certificate_id``, ``certificate_url``, ``enrollment_mode``, ``generation_mode``
(``self``, ``batch``, ...).

Object: the certificate, ``<LMS>/certificates/<certificate id>`` (the LMS's own certificate page),
an Activity Streams ``badge`` with the enrollment mode as its acrossx type extension; the context
has the generation mode. The statement is the learner's: the actor is ``data.user_id``.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none
from openedx_xapi_router.transformers.xblock_events import iri_key, optional_text


@register
class CertificateCreated(XapiTransformer):
    """
    A learner received a course certificate.

    Version 2: the verb is Activity Streams' ``receive`` (version 1: Tin Can's ``earned``). Open
    edX Aspects reads every ``earned`` statement as a grade (``grading_events``, then
    ``fact_grades``): a certificate has no score, so it counted as a grade of 0 (docs/aspects.rst).
    """

    event_names = ("edx.certificate.created",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/certificates/utils.py",
        where="emit_certificate_event('created', ...)",
        commit="cc43b5e567c12d9aa94ed23e143b39fdaeedc91b", source="server",
        fields=(Field("data.user_id", "int", 42),
        Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course",
        read=False),
                Field("data.certificate_id", "str", "8a7b6c5d4e3f20119a8b7c6d5e4f3a2b"),
                Field("data.certificate_url", "str", "https://courses.example.org/certificates/"
                    "8a7b6c5d4e3f20119a8b7c6d5e4f3a2b",
                read=False),
                Field("data.enrollment_mode", "str", "verified"), Field("data.generation_mode", "str", "self")),
        evidence="the file was located at this commit but not read (the search budget is shared); the fields are the "
                 "module docstring's and the tests' real events",
    )
    version = 2
    family = "certificate"
    erb = False
    verb = vocab.RECEIVED

    def get_object(self):
        certificate_id = iri_key(self.event_name, "data.certificate_id", self.event.require("certificate_id", str))
        definition = {"type": ActivityType.BADGE}
        mode = optional_text(self.event, "enrollment_mode")
        if mode is not None:
            definition["extensions"] = {Extension.MODE: mode}
        return {"id": self.iri("certificates", certificate_id), "objectType": "Activity", "definition": definition}

    def extra_context_extensions(self):
        return drop_none({Extension.GENERATION_MODE: optional_text(self.event, "generation_mode")})
