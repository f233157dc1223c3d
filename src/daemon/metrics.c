/*
 * metrics.c - the counters /metrics shows (struct metrics), counted by the
 * workers and the engine, and the one place they are rendered in the
 * Prometheus text format, beside the gauges the caller gathered.
 */
#include "daemon.h"

#include <string.h>

const char *const metrics_filter_failures[DAEMON_FILTER_FAILURE_KINDS] = {
	"filter-timeout", "filter-crashed", "filter-sandbox-violation", "filter-cpu-limit",
	"filter-killed", "filter-output-too-large", "filter-spawn", "other",
};

static const char *const metrics_sources[DAEMON_SOURCES] = { "api", "drop" };

static const char *const metrics_verdicts[DAEMON_VERDICTS] = {
	"released", "blocked", "held", "failed", "other",
};

/* upper bounds of the processing time buckets, seconds; the last is +Inf */
static const double metrics_le[DAEMON_HIST_BUCKETS - 1] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10 };
static const char *const metrics_le_names[DAEMON_HIST_BUCKETS] = {
	"0.05", "0.1", "0.25", "0.5", "1", "2.5", "10", "+Inf",
};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->mu, NULL);
}

/* count the items a filter process failed on, by the reason prefix
 * filterproc gives them (under m->mu) */
static void metrics_filter_failed(struct metrics *m, json_t *report)
{
	json_t *it;
	size_t i;

	json_array_foreach(json_object_get(report, "items"), i, it) {
		const char *r = json_string_value(json_object_get(it, "reason"));
		size_t k;

		if (r == NULL || strncmp(r, "filter-", 7) != 0)
			continue;
		for (k = 0; k + 1 < DAEMON_FILTER_FAILURE_KINDS; k++) {
			size_t n = strlen(metrics_filter_failures[k]);

			if (strncmp(r, metrics_filter_failures[k], n) == 0 &&
			    (r[n] == '\0' || r[n] == ':'))
				break;
		}
		m->filter_failures[k]++;
	}
}

void metrics_job(struct metrics *m, json_t *report, uint64_t in, uint64_t out, int64_t ms)
{
	const char *verdict = json_string_value(json_object_get(report, "verdict"));
	const char *source = json_string_value(json_object_get(report, "source"));
	size_t i, src = source != NULL && strcmp(source, "drop") == 0 ? 1 : 0;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i + 1 < DAEMON_VERDICTS &&
		    (verdict == NULL || strcmp(metrics_verdicts[i], verdict) != 0); i++)
		;
	m->jobs_by_verdict[src][i]++;
	m->bytes_in += in;
	m->bytes_out += out;
	m->processing_ms_sum += (uint64_t)ms;
	m->processing_count++;
	for (i = 0; i + 1 < DAEMON_HIST_BUCKETS && (double)ms / 1000.0 > metrics_le[i]; i++)
		;
	m->processing_hist[i]++;
	metrics_filter_failed(m, report);
	pthread_mutex_unlock(&m->mu);
}

void metrics_reload(struct metrics *m, int ok)
{
	pthread_mutex_lock(&m->mu);
	if (ok)
		m->reloads_ok++;
	else
		m->reloads_failed++;
	pthread_mutex_unlock(&m->mu);
}

void metrics_audit(struct metrics *m, int ok)
{
	pthread_mutex_lock(&m->mu);
	if (!ok)
		m->audit_failures++;
	m->audit_down = !ok;
	pthread_mutex_unlock(&m->mu);
}

int metrics_audit_down(struct metrics *m)
{
	int down;

	pthread_mutex_lock(&m->mu);
	down = m->audit_down;
	pthread_mutex_unlock(&m->mu);
	return down;
}

void metrics_commit_retry(struct metrics *m)
{
	pthread_mutex_lock(&m->mu);
	m->commit_retries++;
	pthread_mutex_unlock(&m->mu);
}

char *metrics_render(struct metrics *m, const struct metrics_gauges *g)
{
	GString *s = g_string_new(NULL);
	uint64_t cum = 0;

	pthread_mutex_lock(&m->mu);
	g_string_append(s, "# HELP mugai_jobs_total Jobs finished, by verdict.\n"
			   "# TYPE mugai_jobs_total counter\n");
	for (int k = 0; k < DAEMON_SOURCES; k++)
		for (int i = 0; i < DAEMON_VERDICTS; i++)
			g_string_append_printf(s, "mugai_jobs_total{verdict=\"%s\",source=\"%s\"} "
					       "%llu\n", metrics_verdicts[i], metrics_sources[k],
					       (unsigned long long)m->jobs_by_verdict[k][i]);
	g_string_append_printf(s, "# TYPE mugai_bytes_in_total counter\nmugai_bytes_in_total %llu\n"
			       "# TYPE mugai_bytes_out_total counter\nmugai_bytes_out_total %llu\n"
			       "# TYPE mugai_queue_depth gauge\nmugai_queue_depth %u\n"
			       "# TYPE mugai_jobs_active gauge\nmugai_jobs_active %u\n"
			       "# TYPE mugai_signature_reloads_total counter\n"
			       "mugai_signature_reloads_total{result=\"ok\"} %llu\n"
			       "mugai_signature_reloads_total{result=\"failed\"} %llu\n",
			       (unsigned long long)m->bytes_in, (unsigned long long)m->bytes_out,
			       g->queue_depth, g->active, (unsigned long long)m->reloads_ok,
			       (unsigned long long)m->reloads_failed);
	g_string_append(s, "# HELP mugai_processing_seconds Time from start to verdict.\n"
			   "# TYPE mugai_processing_seconds histogram\n");
	for (int i = 0; i < DAEMON_HIST_BUCKETS; i++) {
		cum += m->processing_hist[i];
		g_string_append_printf(s, "mugai_processing_seconds_bucket{le=\"%s\"} %llu\n",
				       metrics_le_names[i], (unsigned long long)cum);
	}
	g_string_append_printf(s, "mugai_processing_seconds_sum %.3f\n"
			       "mugai_processing_seconds_count %llu\n",
			       (double)m->processing_ms_sum / 1000.0,
			       (unsigned long long)m->processing_count);
	g_string_append(s, "# HELP mugai_filter_failures_total Items a filter process failed on "
			   "(nothing of them released), by reason.\n"
			   "# TYPE mugai_filter_failures_total counter\n");
	for (size_t i = 0; i < DAEMON_FILTER_FAILURE_KINDS; i++)
		g_string_append_printf(s, "mugai_filter_failures_total{reason=\"%s\"} %llu\n",
				       metrics_filter_failures[i],
				       (unsigned long long)m->filter_failures[i]);
	g_string_append_printf(s, "# HELP mugai_audit_write_failures_total Audit records that "
			       "could not be written (a verdict among them is not given: its job "
			       "runs again).\n# TYPE mugai_audit_write_failures_total counter\n"
			       "mugai_audit_write_failures_total %llu\n"
			       "# HELP mugai_audit_writable 0 while the last audit record could not "
			       "be written.\n# TYPE mugai_audit_writable gauge\n"
			       "mugai_audit_writable %d\n"
			       "# HELP mugai_commit_retries_total Jobs whose verdict could not be "
			       "committed (disk full or failing, audit log not writable), queued "
			       "to run again.\n# TYPE mugai_commit_retries_total counter\n"
			       "mugai_commit_retries_total %llu\n",
			       (unsigned long long)m->audit_failures, !m->audit_down,
			       (unsigned long long)m->commit_retries);
	pthread_mutex_unlock(&m->mu);
	g_string_append_printf(s, "# TYPE mugai_signatures gauge\nmugai_signatures %u\n"
			       "# HELP mugai_signature_db_version The database version (daily.cvd's "
			       "when loaded; 0 for local signatures only).\n"
			       "# TYPE mugai_signature_db_version gauge\n"
			       "mugai_signature_db_version %u\n"
			       "# TYPE mugai_signature_db_age_seconds gauge\n"
			       "mugai_signature_db_age_seconds %lld\n",
			       g->signatures, g->db_version, g->db_age);
	g_string_append_printf(s, "# HELP mugai_http_waiters Requests parked on ?wait.\n"
			       "# TYPE mugai_http_waiters gauge\nmugai_http_waiters %u\n"
			       "# HELP mugai_http_waits_refused_total ?wait requests answered 202 at once "
			       "(over [daemon] max_waiters).\n"
			       "# TYPE mugai_http_waits_refused_total counter\n"
			       "mugai_http_waits_refused_total %llu\n",
			       g->waiters, (unsigned long long)g->waits_refused);
	return g_string_free(s, FALSE);
}
