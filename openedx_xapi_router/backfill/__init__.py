"""
Backfill: tracking logs in, xAPI statements out, through the same core and delivery code as the
live path. ``manage.py transform_tracking_logs`` is the thin Django shell around it.

* :mod:`.sources`: which inputs (files, directories, globs, stdin, ``s3://bucket/prefix``), in
  which order (natural sort, the live file last), opened as decompressed byte streams;
* :mod:`.runner`: the work units (a plain file split at line boundaries for ``--jobs``), the line
  loop (filters, transform, counting, rejects), checkpoints and resume, worker processes;
* :mod:`.destinations`: where statements go (a JSONL file or stdout, LRS endpoints through the
  delivery code, the Celery delivery tasks, or nowhere for ``--dry-run``);
* :mod:`.progress`: the progress bar or periodic log lines, and the final summary table;
* :mod:`.distributed`, :mod:`.models`, :mod:`.tasks`: ``--distribute``, the run and its units in
  the database, run by the ``backfill_unit`` Celery task on any number of workers.

Everything but the LRS and queue destinations and the distributed run is free of Django.
"""
