"""The joint reward-and-punishment loop (发起–响应–反馈, seed 002): who is told, and what
approval systems report back.

- ``react``: inside a store's write transaction, what a change of restrictions means —
  change-feed entries with the before/after standing of each subject, alerts for the
  watches that cover it, removal notices (公司法 第一百七十八条第三款) and the notices of
  derived notification duties. They are written in the same transaction as the change
  (a transactional outbox), so nothing is lost between a commit and its delivery.
- ``delivery``: the outbox worker — signed webhooks, retries with backoff, idempotency keys.
- ``service``: watches, the change feed, notices and their acknowledgement, feedback.
- ``grades``: credit grades for graded supervision, from ``graph_schema/supervision/``.
"""
