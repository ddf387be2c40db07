from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "xinyuan.operations"
    label = "operations"

    def ready(self) -> None:
        from xinyuan.hotline import duty
        from xinyuan.operations import hooks, selectors

        hooks.register()
        # On duty for alerts = rostered now (or the toggle): hotline asks through its hook.
        duty.register_rota(
            rostered_now=selectors.rostered_now_condition,
            current_shift=selectors.current_shift_of,
        )
