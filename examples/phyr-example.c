// SPDX-License-Identifier: MIT
/*
 * A small program that uses the installed libphyr through pkg-config:
 *   cc phyr-example.c $(pkg-config --cflags --libs phyr)
 */
#include <stdio.h>

#include <phyr/phyr.h>

int main(void)
{
	printf("libphyr %s\n", phyr_version());
	return 0;
}
