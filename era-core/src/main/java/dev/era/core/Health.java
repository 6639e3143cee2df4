package dev.era.core;

/** The latest verdict of a deployment's health probe. */
public enum Health { UNKNOWN, HEALTHY, UNHEALTHY }
