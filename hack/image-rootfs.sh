#!/usr/bin/env bash
# Stages the build context of an image: its Containerfile plus rootfs/ holding the host-built
# binary and, for a dynamically linked one, exactly the shared libraries `ldd` names and the
# dynamic loader, each at the path the loader looks for it.
#
# Why host binaries instead of a compiler stage: no base image can be pulled here, so nothing
# could compile inside a build. The bridge is fully static. The operator links spdlog, fmt and
# prometheus-cpp, which Debian ships only as shared libraries; a static build would mean
# rebuilding prometheus-cpp, so we copy the ~15 libraries it needs (glibc, libstdc++, OpenSSL,
# Boost, yaml-cpp, ...) into a FROM scratch image instead. The image stays minimal: no shell,
# no package manager, nothing the binary does not load.
#
# Usage: hack/image-rootfs.sh <image> <binary> <context-dir> [path-in-image]
#   <image> names images/<image>/Containerfile; the binary lands at [path-in-image], by default
#   /<image> (the e2e images add more to rootfs/ afterwards: hack/e2e-images.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

name=${1:?image name}
binary=${2:?binary}
ctx=${3:?context dir}
dest=${4:-/$name}
[[ -x $binary ]] || die "$binary is missing (make build; hack/build-tools.sh for the tools)"
[[ -f $REPO_ROOT/images/$name/Containerfile ]] || die "no images/$name/Containerfile"

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/etc"
cp "$REPO_ROOT/images/$name/Containerfile" "$ctx/Containerfile"
mkdir -p "$ctx/rootfs$(dirname "$dest")"
cp "$binary" "$ctx/rootfs$dest"
strip --strip-unneeded "$ctx/rootfs$dest"
# Names for the one user the image runs as, so tools inside and `ps` on the node show it.
printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"

if file -L "$binary" | grep -q 'dynamically linked'; then
  # Lines look like "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" or
  # "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
  ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u |
    while read -r lib; do
      mkdir -p "$ctx/rootfs$(dirname "$lib")"
      cp -L "$lib" "$ctx/rootfs$lib"
      strip --strip-unneeded "$ctx/rootfs$lib" 2>/dev/null || true
    done
fi
log "staged $name in $ctx ($(du -sh "$ctx/rootfs" | cut -f1))"
