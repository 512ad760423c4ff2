"""The closed loop: alert rules on incoming feedback, cases with routing, SLA clocks and
escalation, ISO 10002 complaint handling, service standards, notifications (e-mail and
signed webhooks through an outbox) and the jobs that drive them.

Modules: ``setup`` (rules, routing, defaults), ``rules`` (evaluating feedback and alerts),
``cases`` (the case life cycle), ``context`` (a case's customer context), ``sla``
(escalations), ``complaints``, ``standards``, ``notifications``, ``jobs``, ``clock``."""
