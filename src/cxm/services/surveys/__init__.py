"""Surveys (issue 3): the designer and versions, invitations with signed one-time links,
public answering, trigger rules at touch-points, distribution (e-mail, reminders, links, QR
codes, embedding) and the invitation funnel. One module per part; web and CLI call these."""

from cxm.services.surveys import answering, designer, distribution, funnel, invitations, triggers

__all__ = ["answering", "designer", "distribution", "funnel", "invitations", "triggers"]
