/* The rtnetlink ABI init uses (musl ships no linux/ uapi headers). Values
 * are from the kernel's include/uapi/linux/{netlink,rtnetlink,if_link,
 * if_addr}.h; they never change. */
#ifndef DOCK_FIRE_INIT_RTNETLINK_ABI_H
#define DOCK_FIRE_INIT_RTNETLINK_ABI_H

#include <stdint.h>
#include <sys/socket.h>

#define DF_NETLINK_ROUTE 0

struct df_sockaddr_nl {
    sa_family_t nl_family;
    unsigned short nl_pad;
    uint32_t nl_pid;
    uint32_t nl_groups;
};

struct df_nlmsghdr {
    uint32_t nlmsg_len;
    uint16_t nlmsg_type;
    uint16_t nlmsg_flags;
    uint32_t nlmsg_seq;
    uint32_t nlmsg_pid;
};

struct df_nlmsgerr {
    int error;
    struct df_nlmsghdr msg;
};

struct df_nlattr {
    uint16_t nla_len;
    uint16_t nla_type;
};

/* Messages and attributes are padded to 4 bytes. */
#define DF_NL_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

#define DF_NLM_F_REQUEST 0x001
#define DF_NLM_F_ACK 0x004
#define DF_NLM_F_REPLACE 0x100
#define DF_NLM_F_EXCL 0x200
#define DF_NLM_F_CREATE 0x400
#define DF_NLMSG_ERROR 2

#define DF_RTM_NEWLINK 16
#define DF_RTM_NEWADDR 20
#define DF_RTM_NEWROUTE 24

struct df_ifinfomsg {
    unsigned char ifi_family;
    unsigned char ifi_pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags;
    unsigned ifi_change;
};
#define DF_IFLA_ADDRESS 1
#define DF_IFLA_MTU 4

struct df_ifaddrmsg {
    uint8_t ifa_family;
    uint8_t ifa_prefixlen;
    uint8_t ifa_flags;
    uint8_t ifa_scope;
    uint32_t ifa_index;
};
#define DF_IFA_ADDRESS 1
#define DF_IFA_LOCAL 2
#define DF_IFA_BROADCAST 4
#define DF_IFA_F_NODAD 0x02

struct df_rtmsg {
    uint8_t rtm_family;
    uint8_t rtm_dst_len;
    uint8_t rtm_src_len;
    uint8_t rtm_tos;
    uint8_t rtm_table;
    uint8_t rtm_protocol;
    uint8_t rtm_scope;
    uint8_t rtm_type;
    uint32_t rtm_flags;
};
#define DF_RTA_DST 1
#define DF_RTA_OIF 4
#define DF_RTA_GATEWAY 5
#define DF_RT_TABLE_MAIN 254
#define DF_RTPROT_BOOT 3
#define DF_RT_SCOPE_UNIVERSE 0
#define DF_RT_SCOPE_LINK 253
#define DF_RTN_UNICAST 1

#endif
