"""Pages of running the centre, one module per feature: service hours, the rota and coverage
(``rota``), staff workload (``workload``), training and supervision (``training``), call reviews
(``reviews``), complaints and feedback (``complaints``) and the public feedback form
(``feedback``)."""
