# libvirt-guest — evaltest.sh: vm2 started with virsh behind the daemon's back is destroyed (domstate, audit log),
# its TAP is gone, and vm1 still answers. Exit 0 if all hold.
source "$LAB_LIB_DIR/overlay.sh"
source "$PWD/libvirt.sh"
source "$LAB_LIB_DIR/checks.sh"
vm2=$(lv_vm2)
tap=$(lv_port_of "$vm2")
audit=$LAB_DIR/h1/guest-audit.log

# The domain names a managed='no' TAP: whoever starts it must make the TAP first (in libvirtd's namespace).
ip tuntap add dev "$tap" mode tap
ip link set "$tap" up
lv_virsh start "$vm2" && echo "virsh start $vm2: started outside the daemon"
state=""
for _ in $(seq 150); do
    state=$(lv_virsh domstate "$vm2" | head -n1)
    [[ $state == "shut off" ]] && grep -q "OutOfBandDestroyed $vm2" "$audit" && break
    sleep 0.1
done
if [[ $state == "shut off" ]]; then echo "ok: virsh domstate $vm2: $state"; else echo "FAIL: virsh domstate $vm2: '$state'"; fail=1; fi
if line=$(grep "OutOfBandDestroyed $vm2: deny: chinese-wall" "$audit"); then
    echo "ok: audit: ${line#* }"
else
    echo "FAIL: no OutOfBandDestroyed chinese-wall line for $vm2 in $audit:"; sed 's/^/  | /' "$audit"; fail=1
fi
for _ in $(seq 50); do [[ -e /sys/class/net/$tap ]] || break; sleep 0.1; done
if [[ -e /sys/class/net/$tap ]]; then echo "FAIL: TAP $tap of the destroyed guest is still there"; fail=1; else echo "ok: TAP $tap removed"; fi
if [[ $(lv_virsh domstate "$(lv_vm1)" | head -n1) == running ]] && lab_exec h2red ping -c2 -i0.2 -W2 192.168.101.11 >/dev/null; then
    echo "ok: vm1 still running and answering h2red"
else
    echo "FAIL: vm1 stopped or stopped answering"; fail=1
fi
exit "$fail"
