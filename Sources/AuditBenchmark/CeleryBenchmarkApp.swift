/// The Celery application the benchmark drains with: the same task name, a no-op body. The broker
/// URL (with the Redis password) comes from the environment.
enum CeleryBenchmarkApp {
    static let source = """
        import os
        from celery import Celery

        app = Celery("benchapp", broker=os.environ["BENCH_BROKER_URL"])
        app.conf.broker_transport_options = {"global_keyprefix": os.environ["BENCH_KEY_PREFIX"]}
        app.conf.accept_content = ["json"]
        app.conf.task_ignore_result = True
        app.conf.worker_hijack_root_logger = False


        @app.task(name="auditmate.ping")
        def ping(*args, **kwargs):
            return "pong"
        """
}
