#ifndef IKED_COPENSSL_SHIM_H
#define IKED_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

/* An HMAC EVP_MAC_CTX bound to one digest ("SHA1", "SHA256", ...), not yet keyed.
 * OSSL_PARAM arrays hold raw pointers into their strings, so they are built here in C
 * rather than from Swift. Returns NULL on failure. */
static inline EVP_MAC_CTX *iked_hmac_ctx_new(const char *digest) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* SHA-1/SHA-2 through libcrypto's low-level hash functions, for HMAC with the key's inner and
 * outer states computed once (RFC 2104 §4). Their contexts are plain structs: copying one is a
 * memcpy, whereas restarting an EVP_MAC HMAC in OpenSSL 3.0 dups two provider digest contexts
 * (two mallocs and frees per MAC). OpenSSL 3 deprecates these functions in favour of EVP_MD;
 * only these wrappers call them, so only here is the warning silenced. They cannot fail (each
 * returns 1 for a valid kind and a non-NULL context); 0 means an unknown kind. */
typedef union {
    SHA_CTX sha1;
    SHA256_CTX sha256;  /* also SHA-224's, unused */
    SHA512_CTX sha512;  /* SHA-384 and SHA-512 */
} iked_sha_ctx;

enum iked_sha_kind { IKED_SHA1 = 1, IKED_SHA256 = 256, IKED_SHA384 = 384, IKED_SHA512 = 512 };

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int iked_sha_init(iked_sha_ctx *c, enum iked_sha_kind kind) {
    switch (kind) {
    case IKED_SHA1: return SHA1_Init(&c->sha1);
    case IKED_SHA256: return SHA256_Init(&c->sha256);
    case IKED_SHA384: return SHA384_Init(&c->sha512);
    case IKED_SHA512: return SHA512_Init(&c->sha512);
    }
    return 0;
}

static inline int iked_sha_update(iked_sha_ctx *c, enum iked_sha_kind kind, const void *data, size_t len) {
    switch (kind) {
    case IKED_SHA1: return SHA1_Update(&c->sha1, data, len);
    case IKED_SHA256: return SHA256_Update(&c->sha256, data, len);
    case IKED_SHA384: return SHA384_Update(&c->sha512, data, len);
    case IKED_SHA512: return SHA512_Update(&c->sha512, data, len);
    }
    return 0;
}

/* Writes the digest (20, 32, 48 or 64 bytes) to md. */
static inline int iked_sha_final(iked_sha_ctx *c, enum iked_sha_kind kind, unsigned char *md) {
    switch (kind) {
    case IKED_SHA1: return SHA1_Final(md, &c->sha1);
    case IKED_SHA256: return SHA256_Final(md, &c->sha256);
    case IKED_SHA384: return SHA384_Final(md, &c->sha512);
    case IKED_SHA512: return SHA512_Final(md, &c->sha512);
    }
    return 0;
}
#pragma GCC diagnostic pop
#endif
