package dev.patchwave.doc;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A request body of this type refuses a field it does not know (400 naming it): a misspelt {@code
 * onConflit} must not quietly start a rollout that fails on conflicts. Stored documents stay
 * lenient, so that an older controller's fields never make a rollout unreadable.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StrictJson {}
