"""The project folder `platform/` must not hide Python's stdlib module `platform`."""

import platform
import uuid


def test_stdlib_platform_module_is_importable_inside_the_project():
    assert platform.system() in {"Linux", "Darwin", "Windows"}
    assert uuid.uuid4().version == 4


def test_project_package_is_nuandong():
    import nuandong.settings

    assert nuandong.settings.ROOT_URLCONF == "nuandong.urls_tenant"
