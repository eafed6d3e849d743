/* Kernel ABI definitions that musl's headers lack (it ships no linux/ uapi
 * headers). Values are from the kernel's include/uapi; they never change. */
#ifndef DOCK_FIRE_INIT_KERNEL_ABI_H
#define DOCK_FIRE_INIT_KERNEL_ABI_H

#include <stdint.h>
#include <sys/socket.h>

/* openat2(2), linux/openat2.h */
struct df_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
#define DF_RESOLVE_NO_MAGICLINKS 0x02
#define DF_RESOLVE_IN_ROOT 0x10

/* AF_VSOCK addresses, linux/vm_sockets.h */
struct df_sockaddr_vm {
    sa_family_t svm_family;
    unsigned short svm_reserved1;
    unsigned int svm_port;
    unsigned int svm_cid;
    unsigned char svm_flags;
    unsigned char svm_zero[3];
};
#define DF_VMADDR_CID_HOST 2u

/* capget/capset(2), linux/capability.h */
#define DF_CAPABILITY_VERSION_3 0x20080522u
struct df_cap_header {
    uint32_t version;
    int pid;
};
struct df_cap_data {
    uint32_t effective;
    uint32_t permitted;
    uint32_t inheritable;
};

#endif
