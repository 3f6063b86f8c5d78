"""The task queue's backend: django_tasks_db's, with each task's row written
by an INSERT built once (articles.inserts) and its result made once.

Every enquiry queues its notification as a row of the leads' own database, in
the lead's transaction; django_tasks_db builds that row's INSERT anew each
time and makes the task's result object twice (for the `task_enqueued` signal
and for the caller). What is stored and signalled is django_tasks_db's own.
Inside articles.inserts.inserts_held (the lead's transaction), the row is sent
with the lead when that block ends; `task_enqueued` is sent before, as the
row's transaction has not committed either way.
"""

import django_tasks_db
from django_tasks_db.compat import normalize_json, task_enqueued

from articles.inserts import insert_new


class DatabaseBackend(django_tasks_db.DatabaseBackend):
    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult

        db_result = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        insert_new(db_result)
        return db_result

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result
