/* Automatic incident drafts (monitor/autoinc, monitor/notify, incident/auto)
 * over a real store fed by ingest, whose post-commit sink is the same
 * contract as the monitor's on_finding: one draft per problem (a finding on
 * an object an open incident holds opens nothing; a second object of the
 * same serial joins the incident), the kind the table says, source self,
 * reported at the detection time, the object attached and paired, nothing
 * for a rule that calls for no revocation, a new draft once the old one is
 * closed; and the alert that follows carries the incident. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "incident/auto.h"
#include "incident/kinds.h"
#include "monitor/alert.h"
#include "monitor/autoinc.h"
#include "monitor/outbox.h"
#include "store/ingest.h"
#include "store/store.h"
#include "testutil.h"

#define AT 1743465600 /* 2025-04-01T00:00:00Z */

/* One file in its own commit, its findings one batch to the outbox (as the
 * monitor hands on a commit's). */
static int ingest(cg_ingest *ing, cg_outbox *ob, const char *path)
{
    size_t len;
    char err[512];
    uint8_t *data = cg_test_read(path, &len);
    int ok = data != NULL && cg_ingest_file(ing, path, data, len, err, sizeof(err));
    if (data != NULL && !ok)
        fprintf(stderr, "ingest %s: %s\n", path, err);
    free(data);
    cg_outbox_sink_end(ob);
    return ok;
}

typedef struct incidents {
    size_t n;
    int64_t id[8];
    char kind[8][40];
    char title[8][200];
    cg_source source[8];
    int64_t reported_at[8];
    size_t n_certs[8];
    int paired[8];
    char serial[8][64];
    size_t n_events[8];
} incidents;

static int list_fn(void *arg, const cg_incident *inc)
{
    incidents *l = arg;
    if (l->n < 8) {
        size_t i = l->n;
        l->id[i] = inc->id;
        snprintf(l->kind[i], sizeof(l->kind[i]), "%s", inc->kind);
        snprintf(l->title[i], sizeof(l->title[i]), "%s", inc->title ? inc->title : "");
        l->source[i] = inc->source;
        l->reported_at[i] = inc->reported_at;
        l->n_certs[i] = inc->n_certs;
        l->paired[i] = inc->n_certs > 0 && (inc->certs[0].has_precert_sha ||
                                             inc->certs[0].has_cert_sha);
        snprintf(l->serial[i], sizeof(l->serial[i]), "%s",
                 inc->n_certs > 0 && inc->certs[0].serial_hex ? inc->certs[0].serial_hex : "");
        l->n_events[i] = inc->n_events;
    }
    l->n++;
    return 1;
}

static void list(cg_store *st, incidents *l)
{
    memset(l, 0, sizeof(*l));
    CHECK(cg_store_incident_list(st, list_fn, l));
}

static int find_title(const incidents *l, const char *prefix)
{
    for (size_t i = 0; i < l->n && i < 8; i++) {
        if (strncmp(l->title[i], prefix, strlen(prefix)) == 0)
            return (int)i;
    }
    return -1;
}

static void test_table(void)
{
    size_t n;
    const cg_auto_incident *t = cg_auto_incident_table(&n);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        /* only errors can open one; every kind is a real one */
        CHECK(cg_rule_get(t[i].rule)->severity == CG_SEV_ERROR);
        CHECK(cg_incident_kind_get(t[i].kind) != NULL);
        CHECK(t[i].why[0] != '\0');
        for (size_t j = 0; j < i; j++)
            CHECK(t[j].rule != t[i].rule);
    }
    CHECK(cg_auto_incident_for(CG_R_CT_PAIR_VALIDITY_MISMATCH) != NULL);
    CHECK(cg_auto_incident_for(CG_R_CRL_STALE) == NULL);
    CHECK(cg_auto_incident_for(CG_R_REVOCATION_DEADLINE_MISSED) == NULL);
    CHECK(cg_auto_incident_for(CG_R_INPUT_MALFORMED) == NULL);

    cg_objref o;
    memset(&o, 0, sizeof(o));
    o.kind = CG_KIND_CERT;
    o.has_hash = 1;
    cg_finding f;
    memset(&f, 0, sizeof(f));
    f.obj = &o;
    f.rule = CG_R_CT_PAIR_TBS_MISMATCH;
    const cg_incident_kind *k = cg_auto_incident_kind(&f);
    CHECK(k != NULL && strcmp(k->name, "misissuance") == 0);
    o.kind = CG_KIND_CRL; /* der.noncanonical on a CRL: no revocation */
    f.rule = CG_R_DER_NONCANONICAL;
    CHECK(cg_auto_incident_kind(&f) == NULL);
    o.kind = CG_KIND_CERT;
    CHECK(cg_auto_incident_kind(&f) != NULL);
    o.has_hash = 0;
    CHECK(cg_auto_incident_kind(&f) == NULL);
    o.has_hash = 1;
    f.incident = 4; /* belongs to an incident already */
    CHECK(cg_auto_incident_kind(&f) == NULL);
}

/* A commit's findings are claimed in as few claims as the claim size
 * allows: 100 printed findings of one commit, with no alert channel, in
 * one claim of 100 rows and the empty one that ends the run (two claims,
 * each a durable commit, and one mark of the printed rows). */
static void test_claim_size(const char *dir)
{
    char uri[128], err[512], subject[32];
    cg_store_status status;
    snprintf(uri, sizeof(uri), "sqlite:%s/claims.db", dir);
    cg_store *st = cg_store_open(uri, CG_STORE_CREATE, &status, err, sizeof(err));
    FILE *mf = tmpfile();
    cg_out *out = mf != NULL ? cg_out_new(mf, CG_OUT_TEXT, 0) : NULL;
    CHECK(st != NULL && out != NULL);
    if (st == NULL || out == NULL)
        return;
    cg_outbox_config oc;
    memset(&oc, 0, sizeof(oc));
    oc.st = st;
    oc.out = out;
    oc.out_stream = mf;
    oc.owner = "test";
    oc.exclusive = 1;
    cg_outbox *ob = cg_outbox_new(&oc, err, sizeof(err));
    CHECK(ob != NULL);
    if (ob == NULL)
        return;
    cg_store_finding f;
    memset(&f, 0, sizeof(f));
    f.rule = "ct.log.entry_malformed";
    f.severity = CG_SEV_ERROR;
    f.has_log = 1;
    memset(f.log_id, 0xc0, 32);
    f.message = "m";
    f.subject = subject;
    CHECK(cg_store_begin(st));
    for (int i = 0; i < 100; i++) {
        int is_new = 0;
        snprintf(subject, sizeof(subject), "entry %d", i);
        CHECK(cg_store_put_finding(st, &f, AT, &is_new, NULL) && is_new);
    }
    CHECK(cg_store_commit(st));
    const cg_outbox_stats *os = cg_outbox_get0_stats(ob);
    size_t claims = os->claims;
    CHECK(cg_outbox_run(ob, AT));
    CHECK(os->claims - claims == 2);
    CHECK(os->printed == 100);
    cg_store_outbox_counts c;
    CHECK(cg_store_outbox_counts_get(st, &c) && c.pending == 0 && c.delivered == 100);
    cg_outbox_free(ob);
    cg_out_free(out);
    fclose(mf);
    cg_store_close(st);
}

int main(void)
{
    char dir[] = "/tmp/caguard-autoinc-test-XXXXXX", uri[128], err[512];
    cg_store_status status;
    incidents l;

    test_table();
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(uri, sizeof(uri), "sqlite:%s/s.db", dir);
    cg_store *st = cg_store_open(uri, CG_STORE_CREATE, &status, err, sizeof(err));
    CHECK(st != NULL);
    if (st == NULL)
        return cg_test_done();

    /* Alerts go to a JSON Lines file, to see the incident they carry. */
    char jsonl[200];
    snprintf(jsonl, sizeof(jsonl), "%s/alerts.jsonl", dir);
    cg_alert_config acfg;
    memset(&acfg, 0, sizeof(acfg));
    acfg.jsonl = jsonl;
    acfg.min_severity = CG_SEV_ERROR;
    cg_alert *alert = cg_alert_new(&acfg, NULL, NULL, err, sizeof(err));
    CHECK(alert != NULL);
    /* Through the outbox, as the monitor does: the drafts in the monitor's
     * thread, the alerts in the delivery thread. */
    cg_outbox_config oc;
    memset(&oc, 0, sizeof(oc));
    oc.st = st;
    oc.alert = alert;
    oc.auto_incidents = 1;
    oc.owner = "test";
    oc.exclusive = 1;
    cg_outbox *nt = alert != NULL ? cg_outbox_new(&oc, err, sizeof(err)) : NULL;
    CHECK(nt != NULL);
    cg_ingest_opts opts = {AT, AT, NULL};
    cg_ingest *ing = cg_ingest_new(st, &opts, cg_outbox_sink, nt);
    CHECK(ing != NULL);
    if (ing == NULL || nt == NULL || alert == NULL)
        return cg_test_done();

    /* The CA, then a precertificate and a final certificate whose validity
     * differs: one draft for the final certificate, paired with its
     * precertificate, reported at the detection time. */
    CHECK(ingest(ing, nt, "sct/ca.pem"));
    CHECK(ingest(ing, nt, "ct3/validity_pre.pem"));
    list(st, &l);
    CHECK(l.n == 0);
    CHECK(ingest(ing, nt, "ct3/validity_final.pem"));
    list(st, &l);
    CHECK(l.n == 1);
    CHECK(strcmp(l.kind[0], "misissuance") == 0);
    CHECK(l.source[0] == CG_SOURCE_SELF);
    CHECK(l.reported_at[0] == AT);
    CHECK(l.n_certs[0] == 1 && l.paired[0] && strcmp(l.serial[0], "5ca90a2de7b14c3f00c73003") == 0);
    CHECK(l.n_events[0] == 0);
    CHECK(strncmp(l.title[0], "auto: ct.pair.validity_mismatch on certificate serial 5ca90a2de7b14c3f00c73003 "
                              "(sha256 73c8a0c815f53850...)",
                  200) == 0);
    const cg_outbox_stats *ns = cg_outbox_get0_stats(nt);
    const cg_ingest_stats *is = cg_ingest_get0_stats(ing);
    CHECK(ns->incidents_opened == 1 && ns->incident_failures == 0);

    /* Two precertificates for one serial: the second gets the finding
     * (a draft), the first when their final certificate comes along: it
     * joins that incident. */
    CHECK(ingest(ing, nt, "ct3/twopre_a.pem"));
    CHECK(ingest(ing, nt, "ct3/twopre_b.pem"));
    list(st, &l);
    CHECK(l.n == 2);
    CHECK(ingest(ing, nt, "ct3/twopre_final.pem"));
    list(st, &l);
    CHECK(l.n == 2);
    int two = find_title(&l, "auto: ct.precert.duplicate_serial on precertificate serial 5ca90a2de7b14c3f00c73002");
    CHECK(two >= 0 && l.n_certs[two] == 2);
    CHECK(ns->incidents_opened == 2 && ns->incidents_added == 1);

    /* A precertificate with an SCT list: its own draft. */
    CHECK(ingest(ing, nt, "sct/precert_sct_list.pem"));
    list(st, &l);
    CHECK(l.n == 3);
    CHECK(find_title(&l, "auto: ct.precert.sct_list_present on precertificate serial 5ca90a2de7b14c3f005c7003") >=
          0);

    /* A finding that calls for no revocation (a notice, a warning): none. */
    size_t before = is->new_findings[CG_SEV_NOTICE] + is->new_findings[CG_SEV_WARNING];
    CHECK(ingest(ing, nt, "ct3/clean_pre.pem"));
    CHECK(ingest(ing, nt, "ct3/clean_final.pem"));
    CHECK(is->new_findings[CG_SEV_NOTICE] + is->new_findings[CG_SEV_WARNING] > before);
    list(st, &l);
    CHECK(l.n == 3);

    /* The same finding again (the store has it): not new, nothing. */
    size_t findings = is->new_findings[CG_SEV_ERROR] + is->new_findings[CG_SEV_WARNING] +
                      is->new_findings[CG_SEV_NOTICE];
    CHECK(ingest(ing, nt, "ct3/validity_final.pem"));
    CHECK(is->new_findings[CG_SEV_ERROR] + is->new_findings[CG_SEV_WARNING] +
              is->new_findings[CG_SEV_NOTICE] ==
          findings);
    list(st, &l);
    CHECK(l.n == 3);

    /* Directly: the object of an open incident gets no second one. */
    cg_store_object *obj = NULL;
    int found = 0;
    uint8_t sha[32];
    CHECK(cg_test_unhex("73c8a0c815f538507a4c8e3b825f3d2c2eef4a720193dc72da2fa8a0fef42b71", sha,
                        32) == 32);
    obj = cg_store_get1_object(st, sha, &found);
    CHECK(obj != NULL);
    cg_objref ref;
    memset(&ref, 0, sizeof(ref));
    ref.file = "x";
    ref.kind = CG_KIND_CERT;
    ref.has_hash = 1;
    memcpy(ref.sha256, sha, 32);
    if (obj != NULL) {
        cg_cbs_init(&ref.issuer, obj->issuer, obj->issuer_len);
        cg_cbs_init(&ref.serial, obj->serial, obj->serial_len);
    }
    cg_finding f;
    memset(&f, 0, sizeof(f));
    f.rule = CG_R_CT_SCT_SIGNATURE_INVALID;
    f.obj = &ref;
    f.message = "m";
    int64_t id = 0;
    cg_autoinc_action act;
    CHECK(cg_autoinc_finding(st, &f, AT + 60, &id, &act, err, sizeof(err)));
    CHECK(act == CG_AUTOINC_ALREADY && id == l.id[0]);
    /* ... until that incident is closed: then a new draft. */
    cg_incident_event ev = {0, CG_EVENT_CLOSURE, AT + 100, NULL};
    CHECK(cg_store_incident_add_event(st, l.id[0], &ev));
    CHECK(cg_autoinc_finding(st, &f, AT + 200, &id, &act, err, sizeof(err)));
    CHECK(act == CG_AUTOINC_OPENED && id != l.id[0]);
    list(st, &l);
    CHECK(l.n == 4 && l.reported_at[3] == AT + 200);
    /* A rule that calls for none. */
    f.rule = CG_R_CT_SCT_TIMESTAMP_FUTURE;
    CHECK(cg_autoinc_finding(st, &f, AT, &id, &act, err, sizeof(err)));
    CHECK(act == CG_AUTOINC_NONE && id == 0);
    /* An object the store does not hold: an error, said. */
    f.rule = CG_R_CT_PAIR_TBS_MISMATCH;
    memset(ref.sha256, 0x11, 32);
    CHECK(!cg_autoinc_finding(st, &f, AT, &id, &act, err, sizeof(err)));
    CHECK(strstr(err, "not in the store") != NULL);
    cg_store_object_free(obj);

    /* A commit's findings are claimed at its end, not once per finding:
     * the incident row, then the alert row it lets go, then nothing. */
    size_t claims = ns->claims;
    findings = is->new_findings[CG_SEV_ERROR] + is->new_findings[CG_SEV_WARNING] +
               is->new_findings[CG_SEV_NOTICE];
    CHECK(ingest(ing, nt, "ct3/sct_future.pem"));
    size_t made = is->new_findings[CG_SEV_ERROR] + is->new_findings[CG_SEV_WARNING] +
                  is->new_findings[CG_SEV_NOTICE] - findings;
    CHECK(made >= 2);
    CHECK(ns->claims - claims == 3);

    /* The alerts (errors only) carried the incidents, first_seen and their
     * alert IDs; every row of the outbox is done. */
    CHECK(cg_outbox_finish(nt, 1));
    cg_store_outbox_counts oc_counts;
    CHECK(cg_store_outbox_counts_get(st, &oc_counts));
    CHECK(oc_counts.pending == 0 && oc_counts.delivered > 0);
    size_t len = 0;
    uint8_t *jl = cg_test_read(jsonl, &len);
    CHECK(jl != NULL);
    if (jl != NULL) {
        char *s = malloc(len + 1);
        memcpy(s, jl, len);
        s[len] = '\0';
        CHECK(strstr(s, "\"rule\":\"ct.pair.validity_mismatch\"") != NULL);
        CHECK(strstr(s, "\"first_seen\":\"2025-04-01T00:00:00Z\",\"incident_opened\":true,"
                        "\"incident\":1,\"schema\":1}") != NULL);
        CHECK(strstr(s, "\"rule\":\"ct.precert.duplicate_serial\"") != NULL);
        CHECK(strstr(s, "\"incident\":2,\"schema\":1}") != NULL);
        CHECK(strstr(s, "ct.policy.not_evaluated") == NULL); /* a notice */
        CHECK(strstr(s, "\"alert_id\":\"") != NULL);
        free(s);
        free(jl);
    }
    CHECK(cg_outbox_get0_stats(nt)->alert.jsonl_failures == 0);
    CHECK(cg_outbox_get0_stats(nt)->alerts_delivered >= 2);

    cg_ingest_free(ing);
    cg_outbox_free(nt);
    cg_alert_free(alert);
    cg_store_close(st);
    test_claim_size(dir);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return cg_test_done();
}
