"""Console pages: the task inbox. Names live in the console namespace."""

from django.urls import path

from itda.console import tasks

urlpatterns = [
    path("", tasks.my_tasks, name="task_mine"),
    path("team/", tasks.team_tasks, name="task_team"),
    path("<int:task_id>/", tasks.task_detail, name="task_detail"),
    path("<int:task_id>/take/", tasks.task_take, name="task_take"),
    path("<int:task_id>/start/", tasks.task_start, name="task_start"),
    path("<int:task_id>/complete/", tasks.task_complete, name="task_complete"),
]
