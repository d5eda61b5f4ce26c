#!/usr/bin/env python3
"""Nothing the build, the tests or the scripts use may come only from a developer's machine (issue 18:
cpack's DEB step needs `file`, which scripts/setup-debian.sh did not install, and CI stayed green).

Every program in tests/setup/programs.txt (what scripts/check-packages.sh saw the build, the test
suite, the demo and fuzzing start) and every program the CMake files look for (find_program) must
come from a package that scripts/setup-debian.sh installs: one it names, one those depend on, or one
every Debian system has (Essential, or Priority required). The package is asked of dpkg on this
machine, so a program that moved to another package is noticed too. Exit 0 when all are covered.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def setup_packages():
    text = open(os.path.join(ROOT, "scripts", "setup-debian.sh"), encoding="utf-8").read()
    listed = re.search(r'packages="(.*?)"', text, re.S)
    return set(listed.group(1).split())


def installed():
    """package -> (essential or required, [dependency alternatives]); and virtual -> providers."""
    fmt = "${Package}\t${Essential}\t${Priority}\t${Depends}, ${Pre-Depends}\t${Provides}\t${db:Status-Abbrev}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, check=True).stdout
    packages, providers = {}, {}
    for line in out.splitlines():
        name, essential, priority, depends, provides, status = line.split("\t")
        if not status.startswith("ii"):
            continue
        alternatives = []
        for dep in depends.split(","):
            names = [re.sub(r"[\s(:].*", "", a.strip()) for a in dep.split("|")]
            if any(names):
                alternatives.append([n for n in names if n])
        packages[name] = (essential == "yes" or priority == "required", alternatives)
        for p in provides.split(","):
            p = re.sub(r"[\s(].*", "", p.strip())
            if p:
                providers.setdefault(p, []).append(name)
    return packages, providers


def covered(listed, packages, providers):
    """Every installed package the listed ones bring (their dependency closure), plus the base system."""
    seen, todo = set(), list(listed)
    while todo:
        name = todo.pop()
        for real in [name] + providers.get(name, []):
            if real in packages and real not in seen:
                seen.add(real)
                for alternatives in packages[real][1]:
                    todo.extend(alternatives)
    return seen | {p for p, (base, _) in packages.items() if base}


# CMake probes the linker clang would use; it links with ld when ld.lld is absent.
OPTIONAL = {"/usr/bin/ld.lld": "CMake's linker probe (ld is used without it)"}


def package_of(path):
    """The package that owns path, through /usr-merge (/bin/sh is dpkg's /bin/sh) and diversions."""
    candidates = []
    for p in (os.path.realpath(path), path):
        candidates += [p, re.sub(r"^/usr/(bin|sbin|lib)/", r"/\1/", p)]
    for candidate in dict.fromkeys(candidates):
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        owners = [line for line in found.stdout.splitlines() if not line.startswith("diversion by")]
        if found.returncode == 0 and owners:
            return owners[0].split(":")[0].split(",")[0].strip()
    return None


def wanted_programs():
    """program path -> where it was seen."""
    wanted = {}
    for line in open(os.path.join(ROOT, "tests", "setup", "programs.txt"), encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            wanted[line.split()[0]] = "tests/setup/programs.txt"
    for folder, _, files in os.walk(ROOT):
        if "/build" in folder[len(ROOT):] or "/.git" in folder[len(ROOT):]:
            continue
        for f in files:
            if f != "CMakeLists.txt" and not f.endswith(".cmake"):
                continue
            text = open(os.path.join(folder, f), encoding="utf-8").read()
            for call in re.finditer(r"find_program\(\s*\w+\s+(?:NAMES\s+)?([\w.+-]+)([^)]*)\)", text):
                paths = re.search(r"PATHS\s+([^\s)]+)", call.group(2))  # where CMake is told to look
                path = shutil.which(call.group(1), path=paths.group(1) if paths else None)
                where = os.path.relpath(os.path.join(folder, f), ROOT)
                wanted[path or call.group(1)] = where + " (find_program)"
    return wanted


def main():
    listed = setup_packages()
    packages, providers = installed()
    missing = sorted(p for p in listed if p not in packages)
    ok = covered(listed, packages, providers)
    problems = []
    for program, where in sorted(wanted_programs().items()):
        if not os.path.isabs(program):
            problems.append(f"{program} ({where}) is not installed here: which package has it?")
            continue
        if program in OPTIONAL:
            continue
        if not os.path.exists(program):
            problems.append(f"{program} ({where}) is not installed here")
            continue
        package = package_of(program)
        if package is None:
            problems.append(f"{program} ({where}) belongs to no Debian package")
        elif package not in ok:
            problems.append(f"{program} ({where}) comes from the package {package}, which "
                            f"scripts/setup-debian.sh does not install: add it to its list")
    for p in missing:
        problems.append(f"scripts/setup-debian.sh lists {p}, which is not installed here: run the script")
    for p in problems:
        print("FAIL", p)
    checked = len(wanted_programs())
    print(f"{checked} programs checked against {len(listed)} listed packages ({len(ok)} with their dependencies "
          f"and the base system): {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
