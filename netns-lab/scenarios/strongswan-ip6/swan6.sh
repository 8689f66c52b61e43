# shellcheck shell=bash
# strongswan-ip6 helpers: strongswan-interop's (charon in moon, swanctl, the policy's moon host, h1's [ike]), with
# this scenario's selectors. moon's child red protects fd13:2::/64 (its side) and fd13:1::/64 (ours), IPv6 only;
# h1 offers both families (10.13.1.0/24 + fd13:1::/64 === 10.13.2.0/24 + fd13:2::/64), and charon narrows the
# IPv4 part away.
SW_RED_TS="fd13:2::/64|fd13:1::/64"
OV_MOON_TS="10.13.1.0/24, fd13:1::/64|10.13.2.0/24, fd13:2::/64"
source "$PWD/../strongswan-interop/swan.sh"
