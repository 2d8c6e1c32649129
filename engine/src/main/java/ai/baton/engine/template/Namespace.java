package ai.baton.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja's namespace(): the one object whose attributes a template may assign ({% set ns.x = ... %}). */
final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();
}
