/*
 * pq_lazy.h — libpq, loaded when a service first needs it.
 *
 * libpq brings about twenty shared libraries (OpenSSL, GnuTLS, Kerberos,
 * LDAP) whose loading and initialisation took 5 ms of every start-up,
 * four times the rest of the runtime's, for the one store (--store
 * postgresql://...) that uses them. So services are not linked with libpq:
 * the PostgreSQL store opens it with dlopen when it is first used
 * (brt__pq_load), and every PQ* call below goes through the table that
 * fills. The names stay libpq's, so pg_*.c read as plain libpq code.
 *
 * Include this instead of <libpq-fe.h>. A libpq function used anywhere
 * must be listed here: one that is not fails to link (no -lpq).
 */
#ifndef BRT_STORE_PQ_LAZY_H
#define BRT_STORE_PQ_LAZY_H

#include <stddef.h>

#include <libpq-fe.h>

#define BRT_PQ_FUNCS(X)         \
	X(PQclear)              \
	X(PQconnectPoll)        \
	X(PQconnectStart)       \
	X(PQconnectdb)          \
	X(PQconsumeInput)       \
	X(PQenterPipelineMode)  \
	X(PQerrorMessage)       \
	X(PQexec)               \
	X(PQexecParams)         \
	X(PQfinish)             \
	X(PQflush)              \
	X(PQfreemem)            \
	X(PQgetResult)          \
	X(PQgetisnull)          \
	X(PQgetvalue)           \
	X(PQisBusy)             \
	X(PQnfields)            \
	X(PQnotifies)           \
	X(PQntuples)            \
	X(PQpipelineSync)       \
	X(PQresultErrorField)   \
	X(PQresultErrorMessage) \
	X(PQresultStatus)       \
	X(PQsendPrepare)        \
	X(PQsendQueryParams)    \
	X(PQsendQueryPrepared)  \
	X(PQsetNoticeProcessor) \
	X(PQsetnonblocking)     \
	X(PQsocket)             \
	X(PQstatus)             \
	X(PQunescapeBytea)

struct brt_pq {
#define BRT_PQ_SLOT(name) __typeof__(name) *f_##name;
	BRT_PQ_FUNCS(BRT_PQ_SLOT)
#undef BRT_PQ_SLOT
};

/* Load libpq once; 0, or -1 with why in err. Later calls answer at once
 * with the first outcome. */
int brt__pq_load(char *err, size_t errlen);
/* The loaded table. A call before a successful brt__pq_load loads it,
 * and aborts with a message if it cannot: the store checks first. */
const struct brt_pq *brt__pq(void);

#define PQclear (*brt__pq()->f_PQclear)
#define PQconnectPoll (*brt__pq()->f_PQconnectPoll)
#define PQconnectStart (*brt__pq()->f_PQconnectStart)
#define PQconnectdb (*brt__pq()->f_PQconnectdb)
#define PQconsumeInput (*brt__pq()->f_PQconsumeInput)
#define PQenterPipelineMode (*brt__pq()->f_PQenterPipelineMode)
#define PQerrorMessage (*brt__pq()->f_PQerrorMessage)
#define PQexec (*brt__pq()->f_PQexec)
#define PQexecParams (*brt__pq()->f_PQexecParams)
#define PQfinish (*brt__pq()->f_PQfinish)
#define PQflush (*brt__pq()->f_PQflush)
#define PQfreemem (*brt__pq()->f_PQfreemem)
#define PQgetResult (*brt__pq()->f_PQgetResult)
#define PQgetisnull (*brt__pq()->f_PQgetisnull)
#define PQgetvalue (*brt__pq()->f_PQgetvalue)
#define PQisBusy (*brt__pq()->f_PQisBusy)
#define PQnfields (*brt__pq()->f_PQnfields)
#define PQnotifies (*brt__pq()->f_PQnotifies)
#define PQntuples (*brt__pq()->f_PQntuples)
#define PQpipelineSync (*brt__pq()->f_PQpipelineSync)
#define PQresultErrorField (*brt__pq()->f_PQresultErrorField)
#define PQresultErrorMessage (*brt__pq()->f_PQresultErrorMessage)
#define PQresultStatus (*brt__pq()->f_PQresultStatus)
#define PQsendPrepare (*brt__pq()->f_PQsendPrepare)
#define PQsendQueryParams (*brt__pq()->f_PQsendQueryParams)
#define PQsendQueryPrepared (*brt__pq()->f_PQsendQueryPrepared)
#define PQsetNoticeProcessor (*brt__pq()->f_PQsetNoticeProcessor)
#define PQsetnonblocking (*brt__pq()->f_PQsetnonblocking)
#define PQsocket (*brt__pq()->f_PQsocket)
#define PQstatus (*brt__pq()->f_PQstatus)
#define PQunescapeBytea (*brt__pq()->f_PQunescapeBytea)

#endif
