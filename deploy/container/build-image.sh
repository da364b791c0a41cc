#!/usr/bin/env bash
# Builds the mapsla image from Debian packages only (deploy/container/README.md).
#
#   deploy/container/build-image.sh [--build-dir DIR] [--tag IMAGE] [--base registry|debootstrap]
#
# The base (bookworm + packages.txt) comes from a registry's debian:bookworm-slim
# (--base registry, Containerfile.base) or, with no registry, from
# `debootstrap --variant=minbase bookworm` and `podman import` (--base debootstrap, the
# default). The image itself is then `podman build --pull=never --squash-all` of
# Containerfile: no RUN step, so it builds where no container runtime starts. Squashed, the
# image does not depend on the base, which is removed again: the tagged image is all that
# stays (plus nothing in /tmp). Prints the image's size and the build's time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_dir="$repo/build/release"
tag="localhost/mapsla:latest"
base_from="debootstrap"
base_tag="localhost/mapsla-base:bookworm"
mirror="${MAPSLA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --base) base_from="$2"; shift 2 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

mapsla_bin="$build_dir/mapsla"
go_reader="$build_dir/readers/external/go-cilium/mapsla-go-reader"
for f in "$mapsla_bin" "$go_reader"; do
  [ -x "$f" ] || { echo "build-image: $f missing: build mapsla first (cmake --build $build_dir)" >&2; exit 2; }
done
# The BPF objects are skeletons compiled into the binary (bpftool gen skeleton embeds each
# object's ELF): nothing else to copy. Checked: one embedded .BTF.ext section per object.
objects=$(find "$build_dir/bpf" -name '*.bpf.o' | wc -l)
embedded=$(strings -n 8 "$mapsla_bin" | grep -c '^\.rel\.BTF\.ext$' || true)
if [ "$objects" -eq 0 ] || [ "$embedded" -lt "$objects" ]; then
  echo "build-image: $mapsla_bin embeds $embedded BPF objects, $build_dir/bpf has $objects" >&2
  exit 1
fi

started=$(date +%s)
work="$(mktemp -d /tmp/mapsla-image.XXXXXX)"
imported_base=""
cleanup() {
  rm -rf "$work"
  if [ -n "$imported_base" ]; then podman rmi "$base_tag" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

packages="$(grep -v '^#' "$here/packages.txt" | grep -v '^$' | paste -sd, -)"
if ! podman image exists "$base_tag"; then
  imported_base=1
  case "$base_from" in
    debootstrap)
      echo "build-image: debootstrap --variant=minbase bookworm (+ $packages) from $mirror"
      debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
      # What debian:bookworm-slim also leaves out: apt's caches and lists, docs, man pages,
      # locales.
      rm -rf "$work/rootfs"/var/cache/apt/* "$work/rootfs"/var/lib/apt/lists/* \
        "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* \
        "$work/rootfs"/usr/share/locale/* "$work/rootfs"/var/log/*
      tar --numeric-owner -C "$work/rootfs" -c . | podman import --quiet - "$base_tag" >/dev/null
      rm -rf "$work/rootfs"
      ;;
    registry)
      podman build --pull=missing -f "$here/Containerfile.base" -t "$base_tag" "$here"
      ;;
    *) echo "build-image: --base registry|debootstrap" >&2; exit 2 ;;
  esac
fi
base_done=$(date +%s)

ctx="$work/context"
mkdir -p "$ctx"
# Debug info stays in the build tree; the image gets stripped copies.
strip --strip-debug -o "$ctx/mapsla" "$mapsla_bin"
strip --strip-debug -o "$ctx/mapsla-go-reader" "$go_reader"
cp -r "$repo/scenarios" "$ctx/scenarios"
cp "$here/mapsla-node" "$here/Containerfile" "$ctx/"
previous=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
podman build --quiet --pull=never --squash-all --build-arg BASE="$base_tag" \
  -f "$ctx/Containerfile" -t "$tag" "$ctx" >/dev/null
done_at=$(date +%s)
# The image the tag named before is now untagged: remove it (unless a container uses it).
current=$(podman image inspect --format '{{.Id}}' "$tag")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi

size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "build-image: $tag: $((size / 1000000)) MB; base $((base_done - started)) s, image $((done_at - base_done)) s, total $((done_at - started)) s"
