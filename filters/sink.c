/* sink.c - an output file with a cap (see sink.h) */
#include "sink.h"
#include "filter.h"

int sink_write(struct sink *s, const void *data, size_t len)
{
	if (s->error != SINK_OK)
		return -1;
	if (len > s->max - s->written) {
		s->error = SINK_TOO_LARGE;
		return -1;
	}
	if (filter_write_all(s->fd, data, len) != 0) {
		s->error = SINK_WRITE_ERROR;
		return -1;
	}
	s->written += len;
	return 0;
}
