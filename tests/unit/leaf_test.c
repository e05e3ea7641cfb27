/* CT log entries (src/ct/leaf.c): a real MerkleTreeLeaf from a production
 * log with its leaf hash and a 22-hash audit path into a tree of 3,630,887
 * entries; round trips of every structure through the writers; every
 * truncation and the malformations a log could serve.
 *
 * The real leaf, its hash, index, tree size, root and audit path are the
 * MerkleVerifierTest vectors of google/certificate-transparency,
 * python/ct/crypto/merkle_test.py (commit 4bfca4952a09): an x509 entry of
 * www.idnet.net's GoDaddy certificate. */
#include "ct/leaf.h"
#include "ct/merkle.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char real_leaf_hex[] =
    "00000000013de9d2b29b000000055b308205573082043fa00302010202072b777b56df"
    "7bc5300d06092a864886f70d01010505003081ca310b30090603550406130255533110"
    "300e060355040813074172697a6f6e61311330110603550407130a53636f7474736461"
    "6c65311a3018060355040a1311476f44616464792e636f6d2c20496e632e3133303106"
    "0355040b132a687474703a2f2f6365727469666963617465732e676f64616464792e63"
    "6f6d2f7265706f7369746f72793130302e06035504031327476f204461646479205365"
    "637572652043657274696669636174696f6e20417574686f726974793111300f060355"
    "040513083037393639323837301e170d3133303131343038353035305a170d31353031"
    "31343038353035305a305331163014060355040a130d7777772e69646e65742e6e6574"
    "3121301f060355040b1318446f6d61696e20436f6e74726f6c2056616c696461746564"
    "311630140603550403130d7777772e69646e65742e6e657430820122300d06092a8648"
    "86f70d01010105000382010f003082010a0282010100d4e4a4b1bbc981c9b8166f0737"
    "c113000aa5370b21ad86a831a379de929db258f056ba0681c50211552b249a02ec00c5"
    "37e014805a5b5f4d09c84fdcdfc49310f4a9f9004245d119ce5461bc5c42fd99694b88"
    "388e035e333ac77a24762d2a97ea15622459cc4adcd37474a11c7cff6239f810120f85"
    "e014d2066a3592be604b310055e84a74c91c6f401cb7f78bdb45636fb0b1516b04c5ee"
    "7b3fa1507865ff885d2ace21cbb28fdaa464efaa1d5faab1c65e4c46d2139175448f54"
    "b5da5aea956719de836ac69cd3a74ca049557cee96f5e09e07ba7e7b4ebf9bf167f4c3"
    "bf8039a4cab4bec068c899e997bca58672bd7686b5c85ea24841e48c46f76830390203"
    "010001a38201b6308201b2300f0603551d130101ff04053003010100301d0603551d25"
    "0416301406082b0601050507030106082b06010505070302300e0603551d0f0101ff04"
    "04030205a030330603551d1f042c302a3028a026a0248622687474703a2f2f63726c2e"
    "676f64616464792e636f6d2f676473312d38332e63726c30530603551d20044c304a30"
    "48060b6086480186fd6d010717013039303706082b06010505070201162b687474703a"
    "2f2f6365727469666963617465732e676f64616464792e636f6d2f7265706f7369746f"
    "72792f30818006082b0601050507010104743072302406082b06010505073001861868"
    "7474703a2f2f6f6373702e676f64616464792e636f6d2f304a06082b06010505073002"
    "863e687474703a2f2f6365727469666963617465732e676f64616464792e636f6d2f72"
    "65706f7369746f72792f67645f696e7465726d6564696174652e637274301f0603551d"
    "23041830168014fdac6132936c45d6e2ee855f9abae7769968cce730230603551d1104"
    "1c301a820d7777772e69646e65742e6e6574820969646e65742e6e6574301d0603551d"
    "0e041604144d3ae8a87ddcf046764021b87e7d8d39ddd18ea0300d06092a864886f70d"
    "01010505000382010100ad651b199f340f043732a71178c0af48e22877b9e5d99a70f5"
    "d78537c31d6516e19669aa6bfdb8b2cc7a145ba7d77b35101f9519e03b58e692732314"
    "1383c3ab45dc219bd5a584a2b6333b6e1bbef5f76e89b3c187ef1d3b853b4910e895a4"
    "57dbe7627e759f56c8484c30b22a74fb00f7b1d7c41533a1fd176cd2a2b06076acd7ca"
    "ddc6ca6d0c2a815f9eb3ef0d03d27e7eebd7824c78fdb51679c03278cfbb2d85ae65a4"
    "7485cb733fc1c7407834f7471ababd68f140983817c6f388b2f2e2bfe9e26608f9924f"
    "16473462d136427d1f2801e4b870b078c20ec4ba21e22ab32a00b76522d523825bcabb"
    "8c7b6142d624be8d2af69ecc36fb5689572a0f59c00000";

static const char real_leaf_hash[] =
    "7a395c866d5ecdb0cccb623e011dbc392cd348d1d1d72776174e127a24b09c78";
static const uint64_t real_index = 848049, real_size = 3630887;
static const char real_root[] = "78316a05c9bcf14a3a4548f5b854a9adfcd46a4c034401b3ce7eb7ac2f1d0ecb";
static const char *const real_path[22] = {
    "1a208aeebcd1b39fe2de247ee8db9454e1e93a312d206b87f6ca9cc6ec6f1ddd",
    "0a1b78b383f580856f433c01a5741e160d451c185910027f6cc9f828687a40c4",
    "3d1745789bc63f2da15850de1c12a5bf46ed81e1cc90f086148b1662e79aab3d",
    "9095b61e14d8990acf390905621e62b1714fb8e399fbb71de5510e0aef45affe",
    "0a332b91b8fab564e6afd1dd452449e04619b18accc0ff9aa8393cd4928451f2",
    "2336f0181d264aed6d8f3a6507ca14a8d3b3c3a23791ac263e845d208c1ee330",
    "b4ce56e300590500360c146c6452edbede25d4ed83919278749ee5dbe178e048",
    "933f6ddc848ea562e4f9c5cfb5f176941301dad0c6fdb9d1fbbe34fac1be6966",
    "b95a6222958a86f74c030be27c44f57dbe313e5e7c7f4ffb98bcbd3a03bb52f2",
    "daeeb3ce5923defd0faeb8e0c210b753b85b809445d7d3d3cd537a9aabaa9c45",
    "7fadd0a13e9138a2aa6c3fdec4e2275af233b94812784f66bcca9aa8e989f2bc",
    "1864e6ba3e32878610546539734fb5eeae2529991f130c575c73a7e25a2a7c56",
    "12842d1202b1dc6828a17ab253c02e7ce9409b5192430feba44189f39cc02d66",
    "29af64b16fa3053c13d02ac63aa75b23aa468506e44c3a2315edc85d2dc22b11",
    "b527b99934a0bd9edd154e449b0502e2c499bba783f3bc3dfe23364b6b532009",
    "4584db8ae8e351ace08e01f306378a92bfd43611714814f3d834a2842d69faa8",
    "86a9a41573b0d6e4292f01e93243d6cc65b30f06606fc6fa57390e7e90ed580f",
    "a88b98fbe84d4c6aae8db9d1605dfac059d9f03fe0fcb0d5dff1295dacba09e6",
    "06326dc617a6d1f7021dc536026dbfd5fffc6f7c5531d48ef6ccd1ed1569f2a1",
    "f41fe8fdc3a2e4e8345e30216e7ebecffee26ff266eeced208a6c2a3cf08f960",
    "40cf5bde8abb76983f3e98ba97aa36240402975674e120f234b3448911090f8d",
    "b3222dc8658538079883d980d7fdc2bef9285344ea34338968f736b04aeb387a",
};

static void test_real_leaf(void)
{
    uint8_t leaf[2048], h[32], want[32], root[32], path[22 * 32];
    size_t len = cg_test_unhex(real_leaf_hex, leaf, sizeof(leaf));
    cg_ct_entry e;
    cg_der_error err;
    char why[160];

    CHECK(len == sizeof(real_leaf_hex) / 2);
    CHECK(cg_ct_leaf_parse(leaf, len, &e, &err));
    CHECK(e.entry_type == CG_CT_X509_ENTRY);
    CHECK(e.timestamp == 0x13de9d2b29bu);
    CHECK(e.cert.len == 0x55b && e.cert.data == leaf + 15);
    CHECK(e.extensions.len == 0);
    CHECK(e.raw.data == leaf + 2 && e.raw.len == len - 2);

    /* The leaf hash, from the whole leaf and from the entry. */
    CHECK(cg_test_unhex(real_leaf_hash, want, 32) == 32);
    CHECK(cg_merkle_leaf_hash(NULL, leaf, len, h) && memcmp(h, want, 32) == 0);
    CHECK(cg_ct_entry_leaf_hash(NULL, &e.raw, h) && memcmp(h, want, 32) == 0);

    /* Its audit path in a tree of 3,630,887 entries. */
    for (size_t i = 0; i < 22; i++)
        CHECK(cg_test_unhex(real_path[i], path + i * 32, 32) == 32);
    CHECK(cg_test_unhex(real_root, root, 32) == 32);
    CHECK(cg_merkle_verify_inclusion(NULL, real_index, real_size, h, path, 22, root, why,
                                     sizeof(why)));
    CHECK(
        !cg_merkle_verify_inclusion(NULL, real_index + 1, real_size, h, path, 22, root, NULL, 0));
    CHECK(!cg_merkle_verify_inclusion(NULL, real_index, real_size, h, path, 21, root, NULL, 0));
    /* merkle_test.py: an index beyond what the path can reach. */
    CHECK(!cg_merkle_verify_inclusion(NULL, real_index + ((uint64_t)1 << 23), real_size, h, path,
                                      22, root, NULL, 0));

    /* Every truncation fails, and so does a byte more. */
    for (size_t n = 0; n < len; n++)
        CHECK(!cg_ct_leaf_parse(leaf, n, &e, &err) && err.what[0] != '\0');
    leaf[len] = 0;
    CHECK(!cg_ct_leaf_parse(leaf, len + 1, &e, &err));
    CHECK(strstr(err.what, "end of the MerkleTreeLeaf") != NULL && err.offset == len);
    /* Version 1, leaf type 1, entry type 2. */
    leaf[0] = 1;
    CHECK(!cg_ct_leaf_parse(leaf, len, &e, &err) && err.offset == 0);
    leaf[0] = 0;
    leaf[1] = 1;
    CHECK(!cg_ct_leaf_parse(leaf, len, &e, &err) && err.offset == 1);
    leaf[1] = 0;
    leaf[11] = 2;
    CHECK(!cg_ct_leaf_parse(leaf, len, &e, &err));
    CHECK(strstr(err.what, "found 2") != NULL && err.offset == 10);
}

/* A fake DER element of n bytes: contents do not matter to the log
 * formats. */
static void fake(uint8_t *buf, size_t n, uint8_t fill)
{
    memset(buf, fill, n);
    buf[0] = 0x30;
}

static void test_round_trips(void)
{
    uint8_t cert[300], tbs[200], issuer[150], root[120], ikh[32], ext[8];
    uint8_t te[1024], leaf[1024], extra[2048], tile[4096], fps[64];
    size_t te_len = 0, leaf_len = 0, extra_len = 0, tile_len = 0;
    cg_cbs chain[2];
    cg_ct_entry e;
    cg_ct_extra x;
    cg_ct_tile_leaf tl;
    cg_der_error err;
    cg_cbb cbb;
    cg_cbs in, c;
    uint64_t index = 0;

    fake(cert, sizeof(cert), 0x11);
    fake(tbs, sizeof(tbs), 0x22);
    fake(issuer, sizeof(issuer), 0x33);
    fake(root, sizeof(root), 0x44);
    memset(ikh, 0x55, sizeof(ikh));
    memset(fps, 0x66, sizeof(fps));
    chain[0].data = issuer;
    chain[0].len = sizeof(issuer);
    chain[1].data = root;
    chain[1].len = sizeof(root);

    /* leaf_index extension: 00 0005 and a 40-bit index. */
    CHECK(cg_ct_leaf_index_ext_write(0x0102030405, ext));
    CHECK(memcmp(ext, "\x00\x00\x05\x01\x02\x03\x04\x05", 8) == 0);
    CHECK(!cg_ct_leaf_index_ext_write(CG_CT_MAX_LEAF_INDEX + 1, ext));
    CHECK(cg_ct_leaf_index_ext_write(7, ext));

    /* precert entry */
    cg_cbb_init_fixed(&cbb, te, sizeof(te));
    CHECK(cg_ct_entry_write(&cbb, 1234567890123, CG_CT_PRECERT_ENTRY, ikh, tbs, sizeof(tbs), ext,
                            sizeof(ext)));
    CHECK(cg_cbb_finish(&cbb, &te_len));
    CHECK(te_len == 8 + 2 + 32 + 3 + sizeof(tbs) + 2 + 8);
    cg_cbb_init_fixed(&cbb, leaf, sizeof(leaf));
    CHECK(cg_ct_leaf_write(&cbb, te, te_len) && cg_cbb_finish(&cbb, &leaf_len));
    CHECK(cg_ct_leaf_parse(leaf, leaf_len, &e, &err));
    CHECK(e.timestamp == 1234567890123 && e.entry_type == CG_CT_PRECERT_ENTRY);
    CHECK(e.issuer_key_hash.len == 32 && memcmp(e.issuer_key_hash.data, ikh, 32) == 0);
    CHECK(e.tbs.len == sizeof(tbs) && memcmp(e.tbs.data, tbs, sizeof(tbs)) == 0);
    CHECK(cg_ct_extensions_leaf_index(&e.extensions, &index) && index == 7);
    CHECK(e.raw.len == te_len && memcmp(e.raw.data, te, te_len) == 0);

    /* Writer refusals: a precert without a key hash, x509 with one, an
     * unknown type, an empty body. */
    cg_cbb_init_fixed(&cbb, te + 512, 512);
    CHECK(!cg_ct_entry_write(&cbb, 1, CG_CT_PRECERT_ENTRY, NULL, tbs, sizeof(tbs), NULL, 0));
    CHECK(!cg_ct_entry_write(&cbb, 1, CG_CT_X509_ENTRY, ikh, cert, sizeof(cert), NULL, 0));
    CHECK(!cg_ct_entry_write(&cbb, 1, 2, NULL, cert, sizeof(cert), NULL, 0));
    CHECK(!cg_ct_entry_write(&cbb, 1, CG_CT_X509_ENTRY, NULL, cert, 0, NULL, 0));

    /* extra_data of a precert entry */
    cg_cbb_init_fixed(&cbb, extra, sizeof(extra));
    CHECK(cg_ct_extra_write(&cbb, cert, sizeof(cert), chain, 2) &&
          cg_cbb_finish(&cbb, &extra_len));
    CHECK(cg_ct_extra_parse(CG_CT_PRECERT_ENTRY, extra, extra_len, &x, &err));
    CHECK(x.pre_certificate.len == sizeof(cert));
    in = x.chain;
    CHECK(cg_ct_chain_next(&in, &c) && c.len == sizeof(issuer) && c.data[1] == 0x33);
    CHECK(cg_ct_chain_next(&in, &c) && c.len == sizeof(root) && c.data[1] == 0x44);
    CHECK(!cg_ct_chain_next(&in, &c) && in.len == 0);
    for (size_t n = 0; n < extra_len; n++)
        CHECK(!cg_ct_extra_parse(CG_CT_PRECERT_ENTRY, extra, n, &x, &err));
    /* The same bytes are not an x509 entry's extra_data (trailing data). */
    CHECK(!cg_ct_extra_parse(CG_CT_X509_ENTRY, extra, extra_len, &x, &err));
    CHECK(!cg_ct_extra_parse(5, extra, extra_len, &x, &err));
    /* An empty certificate inside the chain. */
    {
        uint8_t bad[] = {0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x30, 0x00, 0x00};
        CHECK(!cg_ct_extra_parse(CG_CT_X509_ENTRY, bad, sizeof(bad), &x, &err));
        CHECK(strstr(err.what, "chain certificate 2") != NULL);
    }
    /* x509 extra_data with an empty chain */
    cg_cbb_init_fixed(&cbb, extra, sizeof(extra));
    CHECK(cg_ct_extra_write(&cbb, NULL, 0, NULL, 0) && cg_cbb_finish(&cbb, &extra_len));
    CHECK(extra_len == 3 && cg_ct_extra_parse(CG_CT_X509_ENTRY, extra, 3, &x, &err));
    CHECK(x.chain.len == 0);

    /* TileLeaf: precert, then an x509 one after it, read as a data tile. */
    cg_cbb_init_fixed(&cbb, tile, sizeof(tile));
    CHECK(cg_ct_tile_leaf_write(&cbb, te, te_len, cert, sizeof(cert), fps, 2));
    {
        uint8_t te2[512];
        size_t te2_len = 0;
        cg_cbb t2;
        cg_cbb_init_fixed(&t2, te2, sizeof(te2));
        CHECK(cg_ct_entry_write(&t2, 5, CG_CT_X509_ENTRY, NULL, cert, sizeof(cert), NULL, 0) &&
              cg_cbb_finish(&t2, &te2_len));
        CHECK(cg_ct_tile_leaf_write(&cbb, te2, te2_len, NULL, 0, NULL, 0));
    }
    CHECK(cg_cbb_finish(&cbb, &tile_len));
    cg_cbs_init(&in, tile, tile_len);
    CHECK(cg_ct_tile_leaf_next(&in, &tl, tile, &err));
    CHECK(tl.entry.entry_type == CG_CT_PRECERT_ENTRY && tl.pre_certificate.len == sizeof(cert));
    CHECK(tl.fingerprints.len == 64 && tl.fingerprints.data[0] == 0x66);
    CHECK(tl.entry.raw.len == te_len && memcmp(tl.entry.raw.data, te, te_len) == 0);
    CHECK(cg_ct_tile_leaf_next(&in, &tl, tile, &err));
    CHECK(tl.entry.entry_type == CG_CT_X509_ENTRY && tl.entry.timestamp == 5);
    CHECK(tl.pre_certificate.len == 0 && tl.fingerprints.len == 0);
    CHECK(in.len == 0);
    /* Truncations of the two-leaf tile: the first leaf reads or fails, the
     * cursor never passes the end. */
    for (size_t n = 0; n < tile_len; n++) {
        cg_cbs t;
        int count = 0;
        cg_cbs_init(&t, tile, n);
        while (cg_ct_tile_leaf_next(&t, &tl, tile, &err))
            count++;
        CHECK(count < 2 && err.what[0] != '\0');
    }
    /* Fingerprints not a multiple of 32 bytes. */
    {
        size_t fp_len_at = te_len + 3 + sizeof(cert);
        tile[fp_len_at + 1] = 63;
        cg_cbs_init(&in, tile, tile_len);
        CHECK(!cg_ct_tile_leaf_next(&in, &tl, tile, &err));
        CHECK(strstr(err.what, "multiple of 32") != NULL && err.offset == fp_len_at);
    }
}

static void test_leaf_index_ext(void)
{
    uint64_t index = 99;
    cg_cbs e;
    /* absent, other extension, duplicate, wrong length, truncated */
    static const uint8_t other[] = {0x01, 0x00, 0x01, 0xaa};
    static const uint8_t both[] = {0x01, 0x00, 0x01, 0xaa, 0x00, 0x00, 0x05, 0, 0, 0, 1, 2};
    static const uint8_t dup[] = {0x00, 0x00, 0x05, 0, 0, 0, 0, 1,
                                  0x00, 0x00, 0x05, 0, 0, 0, 0, 2};
    static const uint8_t short_[] = {0x00, 0x00, 0x04, 0, 0, 0, 1};
    static const uint8_t trunc[] = {0x00, 0x00, 0x05, 0, 0};

    cg_cbs_init(&e, NULL, 0);
    CHECK(!cg_ct_extensions_leaf_index(&e, &index));
    cg_cbs_init(&e, other, sizeof(other));
    CHECK(!cg_ct_extensions_leaf_index(&e, &index));
    cg_cbs_init(&e, both, sizeof(both));
    CHECK(cg_ct_extensions_leaf_index(&e, &index) && index == 0x102);
    cg_cbs_init(&e, dup, sizeof(dup));
    CHECK(!cg_ct_extensions_leaf_index(&e, &index));
    cg_cbs_init(&e, short_, sizeof(short_));
    CHECK(!cg_ct_extensions_leaf_index(&e, &index));
    cg_cbs_init(&e, trunc, sizeof(trunc));
    CHECK(!cg_ct_extensions_leaf_index(&e, &index));
}

int main(void)
{
    test_real_leaf();
    test_round_trips();
    test_leaf_index_ext();
    return cg_test_done();
}
