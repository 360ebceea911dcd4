"""Use cases of the party school, by topic: videos (accepting, transcoding), study
(heartbeats, progress, completion), the section's installation, required courses.

`from school import services; services.record_heartbeat(...)` keeps working: the
public names of every module are here.
"""

from .assignments import (
    AssignmentError,
    assign_course,
    change_assignment,
    delete_assignment,
)
from .section import (
    COLLECTION_NAME,
    COLLECTION_PERMISSIONS,
    install_school_section,
)
from .study import (
    DAYS_PER_QUERY,
    PAIRS_PER_QUERY,
    PROGRESS_FIELDS,
    TARGET_CACHE_SECONDS,
    Beat,
    HeartbeatOutcome,
    LessonTarget,
    clock_rules,
    complete_course_if_done,
    lesson_target,
    record_heartbeat,
    write_beats,
)
from .videos import (
    PROGRESS_WRITE_SECONDS,
    VIDEO_DIR,
    apply_probe,
    create_video,
    delete_video_files,
    import_video_file,
    queue_transcode,
    recover_stalled_videos,
    retry_video,
    transcode_video,
    validate_upload,
    validate_video_file,
)

__all__ = [
    "COLLECTION_NAME",
    "COLLECTION_PERMISSIONS",
    "DAYS_PER_QUERY",
    "PAIRS_PER_QUERY",
    "PROGRESS_FIELDS",
    "PROGRESS_WRITE_SECONDS",
    "TARGET_CACHE_SECONDS",
    "VIDEO_DIR",
    "AssignmentError",
    "Beat",
    "HeartbeatOutcome",
    "LessonTarget",
    "apply_probe",
    "assign_course",
    "change_assignment",
    "clock_rules",
    "complete_course_if_done",
    "create_video",
    "delete_assignment",
    "delete_video_files",
    "import_video_file",
    "install_school_section",
    "lesson_target",
    "queue_transcode",
    "record_heartbeat",
    "recover_stalled_videos",
    "retry_video",
    "transcode_video",
    "validate_upload",
    "validate_video_file",
    "write_beats",
]
