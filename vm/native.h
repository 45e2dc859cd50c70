/* SPDX-License-Identifier: GPL-2.0 */
/* --target native: whether this host's own kernel can take tcelab.ko. */
#ifndef TCELAB_NATIVE_H
#define TCELAB_NATIVE_H

/* Why this host cannot run jobs natively, or NULL when it can. */
const char *native_unsupported_reason(void);
/* This host's build arch (x86_64 or ppc64le). */
const char *native_arch(void);

#endif /* TCELAB_NATIVE_H */
