"""Pages of running the centre: training and supervision (``training``), call reviews
(``reviews``), complaints and feedback (``complaints``) and the public feedback form
(``feedback``)."""
