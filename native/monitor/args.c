/* The monitor's command line, in its two forms:
 *
 * dock-fire-monitor --dir STATE_DIR --control PATH --agent PATH
 *     --console-log PATH --log PATH --ready-fd N [--detach] [--netns] [--dns-relay IPV4]
 *     [--cgroup-procs FILE]... [--volume MODE:SOCKET:DIR]...
 *     [--file-volume SOCKET --volume-file MODE:FILE...]
 *     [--console-socket PATH] [--debug] -- VMM_ARGV...
 *
 * dock-fire-monitor --attach CONTROL_SOCKET --spec FILE --log PATH
 *     --ready-fd N [--detach] [--console-socket PATH] [--debug]
 */
#include "monitor.h"
#include "volume.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_fd(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 3 || v > 1048576)
        return -1;
    return (int)v;
}

static const char *bad_option(const char *what, const char *option)
{
    static char msg[128];
    snprintf(msg, sizeof msg, "%s %.64s", what, option);
    return msg;
}

/* Options with a value; returns NULL, or what is wrong with it. */
static const char *parse_value(const char *a, char *v)
{
    struct config *c = &M.cfg;
    if (strcmp(a, "--attach") == 0) {
        c->attach = true;
        c->control_path = v;
    } else if (strcmp(a, "--spec") == 0) {
        c->spec_path = v;
    } else if (strcmp(a, "--console-socket") == 0) {
        c->console_socket = v;
    } else if (strcmp(a, "--dir") == 0) {
        c->dir = v;
    } else if (strcmp(a, "--control") == 0) {
        c->control_path = v;
    } else if (strcmp(a, "--agent") == 0) {
        c->agent_path = v;
    } else if (strcmp(a, "--console-log") == 0) {
        c->console_log_path = v;
    } else if (strcmp(a, "--log") == 0) {
        c->log_path = v;
    } else if (strcmp(a, "--ready-fd") == 0) {
        if ((c->ready_fd = parse_fd(v)) < 0)
            return "--ready-fd needs a file descriptor number above 2";
    } else if (strcmp(a, "--dns-relay") == 0) {
        if (inet_pton(AF_INET, v, &c->dns_relay) != 1)
            return "--dns-relay needs an IPv4 address";
        c->has_dns_relay = true;
    } else if (strcmp(a, "--cgroup-procs") == 0) {
        if (c->n_cgroup_procs == MAX_CGROUP_FILES)
            return "too many --cgroup-procs";
        c->cgroup_procs[c->n_cgroup_procs++] = v;
    } else if (strcmp(a, "--volume") == 0 && !c->attach) {
        return volume_add(v);
    } else if (strcmp(a, "--file-volume") == 0 && !c->attach) {
        return volume_add_files(v);
    } else if (strcmp(a, "--volume-file") == 0 && !c->attach) {
        return volume_add_file(v);
    } else {
        return bad_option("unknown option", a);
    }
    return NULL;
}

static const char *check_attach(bool dashdash)
{
    const struct config *c = &M.cfg;
    if (dashdash)
        return "no VMM command in attach mode";
    if (c->dir || c->agent_path || c->console_log_path || c->netns || c->n_cgroup_procs ||
        c->has_dns_relay)
        return "--attach takes only --spec, --log, --ready-fd, --detach, --console-socket, "
               "--debug";
    if (c->ready_fd < 0)
        return "--ready-fd is required";
    if (!c->spec_path || !c->log_path)
        return "--attach needs --spec and --log";
    return NULL;
}

static const char *check_container(int rest)
{
    const struct config *c = &M.cfg;
    if (rest <= 0)
        return "no VMM command after --";
    if (c->ready_fd < 0)
        return "--ready-fd is required";
    if (!c->dir || !c->control_path || !c->agent_path || !c->console_log_path || !c->log_path)
        return "--dir, --control, --agent, --console-log and --log are required";
    return NULL;
}

/* Fills M.cfg; returns NULL, or a message about the first bad argument. */
const char *parse_args(int argc, char **argv)
{
    struct config *c = &M.cfg;
    c->ready_fd = -1;
    bool dashdash = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            i++;
            break;
        }
        if (strcmp(a, "--netns") == 0) {
            c->netns = true;
            continue;
        }
        if (strcmp(a, "--debug") == 0) {
            c->debug = true;
            continue;
        }
        if (strcmp(a, "--detach") == 0) {
            c->detach = true;
            continue;
        }
        if (i + 1 >= argc)
            return bad_option("missing value for", a);
        const char *bad = parse_value(a, argv[++i]);
        if (bad)
            return bad;
    }
    c->vmm_argv = argv + i;
    if (c->attach)
        return check_attach(dashdash);
    return check_container(dashdash ? argc - i : 0);
}
