"""
Package metadata for openedx-xapi-router.
"""
import os
import re

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def get_version(*file_paths):
    """
    Return the ``__version__`` string declared in the given file.
    """
    filename = os.path.join(HERE, *file_paths)
    with open(filename, encoding="utf8") as handle:
        version_file = handle.read()
    version_match = re.search(r"^__version__ = ['\"]([^'\"]*)['\"]", version_file, re.M)
    if version_match:
        return version_match.group(1)
    raise RuntimeError(f"Unable to find a __version__ string in {filename}.")


def load_requirements(*requirements_paths):
    """
    Return the requirement specifiers listed in the given ``.in`` files.

    Comments, blank lines and pip options (``-c``, ``-r``) are left out; the
    inline comment after each requirement (``Django  # why``) is stripped.
    """
    requirements = []
    for path in requirements_paths:
        with open(os.path.join(HERE, path), encoding="utf8") as handle:
            for line in handle:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    requirements.append(line)
    return requirements


def read(*parts):
    """
    Return the text of a file next to this one, or "" if it is missing.
    """
    path = os.path.join(HERE, *parts)
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf8") as handle:
        return handle.read()


setup(
    name="openedx-xapi-router",
    version=get_version("openedx_xapi_router", "__init__.py"),
    description="Open edX tracking-log events as xAPI statements, delivered to Learning Record Stores.",
    long_description=read("README.rst"),
    long_description_content_type="text/x-rst",
    author="openedx-xapi-router contributors",
    url="https://github.com/openedx/openedx-xapi-router",
    license="AGPL-3.0-or-later",
    packages=find_packages(include=["openedx_xapi_router", "openedx_xapi_router.*"]),
    include_package_data=True,
    python_requires=">=3.11",
    install_requires=load_requirements("requirements/base.in"),
    # Installing the router installs (and so enables) nothing else: event-routing-backends only on request.
    extras_require={"erb": load_requirements("requirements/erb.in")},
    zip_safe=False,
    entry_points={
        "lms.djangoapp": [
            "openedx_xapi_router = openedx_xapi_router.apps:XapiRouterConfig",
        ],
        "console_scripts": [
            "xapi-router-transform = openedx_xapi_router.core.cli:main",
        ],
        # Reserved for third-party transformer packages; nothing registers here yet.
        "openedx_xapi_router.transformers": [],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Natural Language :: English",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
    ],
)
