"""The Celery app the intake, polling and delivery tasks run on: JSON only, time limits on every task, three queues."""

from celery import shared_task

from config.celery import app


def test_json_only_and_every_task_has_soft_and_hard_time_limits():
    conf = app.conf
    assert (conf.accept_content, conf.result_accept_content) == (["json"], ["json"])
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


def test_intake_polling_and_delivery_tasks_go_to_their_own_queues():
    route = app.amqp.router.route
    assert {q.name for q in app.conf.task_queues} == {"default", "intake", "polling", "delivery"}
    assert route({}, "orders.tasks.intake_shopee_push")["queue"].name == "intake"
    assert route({}, "orders.tasks.poll_store")["queue"].name == "polling"
    assert route({}, "notifications.tasks.deliver_event")["queue"].name == "delivery"
    assert route({}, "rbac.tasks.expire_due")["queue"].name == "default"


def test_a_task_without_limits_of_its_own_gets_the_defaults():
    @shared_task(name="tests.orders.noop")
    def noop():
        return None

    task = app.tasks["tests.orders.noop"]
    assert (task.soft_time_limit, task.time_limit) == (app.conf.task_soft_time_limit, app.conf.task_time_limit)
