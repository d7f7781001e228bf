// SPDX-License-Identifier: MIT
/*
 * A main() for the fuzz targets without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named (a directory: on each
 * file in it), so that every build, gcc and the sanitizer ones included,
 * replays the regression inputs of tests/fuzz/regress/ and the seed
 * corpora. Fails if an input takes more than MAX_SECONDS or the process
 * grows past MAX_RSS_MB (the limits the fuzz runs use); a crash or a
 * sanitizer report fails it by itself.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_SECONDS 10.0
#define MAX_RSS_MB 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	double t0, dt;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	t0 = now_s();
	LLVMFuzzerTestOneInput(buf, n);
	dt = now_s() - t0;
	free(buf);
	printf("%s: %zu bytes, %.3f s\n", path, n, dt);
	if (dt > MAX_SECONDS) {
		fprintf(stderr, "%s: took %.1f s (at most %.0f)\n", path, dt, MAX_SECONDS);
		return -1;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int ret = 0;
	DIR *d;

	if (stat(path, &st)) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d))) {
		char **nn;

		if (e->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!names[n])
			break;
		sprintf(names[n++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		if (run_path(names[i]))
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int ret = 0;

	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]))
			ret = 1;
	if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss / 1024 > MAX_RSS_MB) {
		fprintf(stderr, "maximum RSS %ld MB (at most %d)\n", ru.ru_maxrss / 1024, MAX_RSS_MB);
		ret = 1;
	}
	return ret;
}
