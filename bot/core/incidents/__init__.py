"""Incidents are events: one real occurrence, its reports, and its figures.

``signature`` (what, where, sites and names of a report), ``same_event`` (is a report of an event
already tracked?), ``tolls`` (each report's own figures, the headline, disagreements), ``stories``
(the same article re-issued is not a new report) and ``model`` (the incident itself).
"""

from bot.core.incidents.model import Claim, Incident, Source, incident_key
from bot.core.incidents.signature import EventSignature

__all__ = ["Claim", "EventSignature", "Incident", "Source", "incident_key"]
