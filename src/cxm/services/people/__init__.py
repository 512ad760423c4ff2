"""The people area: employees create the experience. The idea board with its workflow and
progress reported back (notifications, an e-mail outbox, measured outcomes), the employee
pulse (anonymous, minimum group size), customer-service training, scorecards and
programme news. Each module owns one of these; ``common`` holds what they share."""
