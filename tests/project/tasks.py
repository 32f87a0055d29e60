"""
Tiny tasks of the test project, to prove a real worker runs our code.
"""
import os

from celery import shared_task


@shared_task(name="tests.project.tasks.add")
def add(left, right):
    """Add two numbers and say which process did it."""
    return {"sum": left + right, "pid": os.getpid()}
