#!/bin/sh
# Installs the .deb $1 for real, but into a throwaway copy of this machine: an overlay over /
# (changes land in a temporary directory) in private mount and network namespaces, so the
# machine's users, /etc, /var and port 5000 are never touched. Then: postinst made the
# regmirror user and /var/lib/regmirror; the packaged binary, as that user, starts with the
# packaged config unchanged and answers on :5000; a reinstall keeps an edited config; remove
# keeps the data, purge deletes it. Exit 77 (skip) without root, namespaces or overlayfs.
set -eu

deb=$(readlink -f "$1")
[ "$(id -u)" = 0 ] || { echo "skip: needs root (for the namespaces)"; exit 77; }
command -v unshare >/dev/null || { echo "skip: no unshare"; exit 77; }
work=$(mktemp -d /tmp/regmirror-package-root.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/upper" "$work/work" "$work/root"
cp "$deb" "$work/upper/regmirror.deb"

# Inside the namespaces: mount the overlay (or skip), then run the checks chrooted in it.
unshare --mount --net --propagation private sh -eu -c '
work=$1
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/root" \
    2>/dev/null; then
  echo "skip: cannot mount an overlay over /"; exit 77
fi
mount --bind /proc "$work/root/proc"
mount --bind /dev "$work/root/dev"
ip link set lo up
exec chroot "$work/root" sh -eu -c "
fail() { echo \"FAIL: \$*\"; exit 1; }
dpkg -i /regmirror.deb >/dev/null
getent passwd regmirror | grep -q :/var/lib/regmirror: || fail \"no regmirror user\"
[ \"\$(stat -c %U:%G:%a /var/lib/regmirror)\" = regmirror:regmirror:750 ] ||
  fail \"/var/lib/regmirror is \$(stat -c %U:%G:%a /var/lib/regmirror)\"

setpriv --reuid regmirror --regid regmirror --init-groups \
  /usr/bin/regmirror serve --config /etc/regmirror/config.yaml >/tmp/serve.log 2>&1 &
pid=\$!
i=0
until curl -fs -o /dev/null http://127.0.0.1:5000/v2/; do
  i=\$((i + 1)); [ \$i -lt 100 ] || { cat /tmp/serve.log; fail \"no answer on :5000\"; }
  sleep 0.1
done
kill -TERM \$pid; wait \$pid || { cat /tmp/serve.log; fail \"serve exited with \$?\"; }
[ -f /var/lib/regmirror/metadata.sqlite ] || fail \"no metadata.sqlite in /var/lib/regmirror\"

echo \"# edited\" >>/etc/regmirror/config.yaml
dpkg -i /regmirror.deb >/dev/null
[ \"\$(tail -n 1 /etc/regmirror/config.yaml)\" = \"# edited\" ] || fail \"reinstall replaced the config\"
dpkg -r regmirror >/dev/null
[ -f /var/lib/regmirror/metadata.sqlite ] || fail \"remove deleted the data\"
[ -f /etc/regmirror/config.yaml ] || fail \"remove deleted the config\"
dpkg -P regmirror >/dev/null
[ ! -e /var/lib/regmirror ] || fail \"purge kept /var/lib/regmirror\"
[ ! -e /etc/regmirror ] || fail \"purge kept /etc/regmirror\"
echo \"installed, served as regmirror on :5000, reinstalled, removed and purged\"
"
' sh "$work"
