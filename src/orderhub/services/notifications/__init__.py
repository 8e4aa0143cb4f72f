"""Customer notifications (issue 19 item 1; docs/architecture.md):

  enqueue.py     the `notifications` durable consumer's handler: events -> messages
                 (template, language, recipient, opt-out, quiet hours, one per change)
  dispatcher.py  sends due messages through the sender port, retries with back-off,
                 dead-letters; never on the intake path
  admin.py       templates (list, set with placeholder check, preview), settings, opt-outs
  views.py       an order's delivery log
"""
